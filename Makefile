# The two set-up commands. Both are idempotent and install whatever is missing.
.PHONY: run test

## Serve Estacionate with demo data on http://127.0.0.1:3000
run:
	@bash scripts/run.sh

## Run every test: unit, property, database, router and Playwright
test:
	@bash scripts/test.sh

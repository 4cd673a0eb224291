# The two set-up commands. Both are idempotent and install whatever is missing.
.PHONY: run test cluster cluster-test

## Serve Estacionate with demo data on http://127.0.0.1:3000
run:
	@bash scripts/run.sh

## Run every test: unit, property, database, router and Playwright
test:
	@bash scripts/test.sh

## Two production-mode instances behind HAProxy (TLS) with Prometheus, on https://127.0.0.1:8443
cluster:
	@bash scripts/cluster.sh

## The cluster test alone (after `make test` built the debug server and the site)
cluster-test:
	@bash scripts/cluster-test.sh

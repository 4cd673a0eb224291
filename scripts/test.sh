#!/usr/bin/env bash
# `make test`: the same preparation as `make run`, plus Chromium and the end2end packages, then
# every test: unit and property tests, database tests (#[sqlx::test] on the real PostgreSQL),
# router tests, and the Playwright journeys against the real server.
source "$(dirname "$0")/lib.sh"

started=$(date +%s)
scripts/ensure-tools.sh
scripts/ensure-browser.sh
eval "$(scripts/ensure-db.sh)"
eval "$(scripts/ensure-redis.sh)"

# #[sqlx::test] creates one throwaway database per test through this master database.
psql "$PGSERVER_URL/postgres" -Atqc "select 1 from pg_database where datname = 'estacionate_test'" | grep -q 1 \
  || psql "$PGSERVER_URL/postgres" -qc "create database estacionate_test" >/dev/null
export DATABASE_URL="$PGSERVER_URL/estacionate_test"

mkdir -p "$ROOT/target"
say "schema invariants in plain SQL (scripts/verify-schema.sh)"
pg_hostport=${PGSERVER_URL#*@}
PGHOST=${pg_hostport%%:*} PGPORT=${pg_hostport##*:} PGUSER=postgres bash scripts/verify-schema.sh >"$ROOT/target/verify-schema.log" 2>&1 \
  || { cat "$ROOT/target/verify-schema.log"; die "schema invariants failed"; }
tail -n 1 "$ROOT/target/verify-schema.log"

say "cargo fmt --check (rustfmt.toml)"
cargo fmt --all -- --check

say "cargo clippy (server and app with ssr)"
cargo clippy -p server -p app --features app/ssr --all-targets -- -D warnings

say "cargo test (unit, property, database, router)"
cargo test -p server -p app --features app/ssr

say "cargo leptos build --split (the admin screens in their own WebAssembly chunks)"
cargo leptos build --split

# End-to-end: a fresh database and a real server on its own port.
# Overridable so parallel worktrees on one machine do not share a port or a database.
E2E_ADDR="${E2E_ADDR:-127.0.0.1:3100}"
E2E_DB_NAME="${E2E_DB_NAME:-estacionate_e2e}"
E2E_DB="$PGSERVER_URL/$E2E_DB_NAME"
psql "$PGSERVER_URL/postgres" -qc "drop database if exists $E2E_DB_NAME with (force)" >/dev/null
server="$CARGO_TARGET_DIR/debug/server"
log="$ROOT/target/e2e-server.log"
# The demo seed gives the specs the platform's global blocklist (plate ZZZZ-99); every spec
# creates the buildings, people and bookings it works with itself.
APP_ENV=test DATABASE_URL="$E2E_DB" "$server" seed-demo >/dev/null
mkdir -p "$ROOT/target"
say "starting the server for Playwright on http://$E2E_ADDR (log: $log)"
# development: the development outbox shows a platform admin the reset codes it "sent" (no
# phone receives them), which is how the secrets spec gets one; every other role sees the mask.
# TRUSTED_PROXIES: the browser on this machine is the only "proxy", so a spec can speak for a
# client address of its own with X-Forwarded-For (journeys.ts useFreshClientAddress): sign-ups
# are limited per address, and an IP blocklist entry needs an address to hit.
APP_ENV=development DATABASE_URL="$E2E_DB" LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="$E2E_ADDR" \
  PUBLIC_ORIGIN="http://$E2E_ADDR" RUST_LOG="${RUST_LOG:-info,sqlx=warn}" TRUSTED_PROXIES=127.0.0.1/32 \
  "$server" serve >"$log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://$E2E_ADDR/readyz" >/dev/null 2>&1 && break
  kill -0 $server_pid 2>/dev/null || { cat "$log"; die "the server exited during startup"; }
  sleep 0.5
done
curl -fsS "http://$E2E_ADDR/readyz" >/dev/null || { cat "$log"; die "the server did not become ready"; }

say "playwright"
(cd end2end && BASE_URL="http://$E2E_ADDR" E2E_DATABASE_URL="$E2E_DB" npx playwright test)
kill $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true

# Two production-mode instances behind HAProxy over HTTPS: a crash mid-journey and a rolling
# restart under load (about 2 minutes). It runs the server `cargo leptos build` linked above:
# the binary `cargo test` links has other features and its HTML does not hydrate.
say "cluster test (scripts/cluster-test.sh)"
E2E_ADDR="$E2E_ADDR" E2E_DB_NAME="$E2E_DB_NAME" bash scripts/cluster-test.sh

say "all tests passed in $(( $(date +%s) - started )) s"

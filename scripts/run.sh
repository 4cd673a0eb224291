#!/usr/bin/env bash
# `make run`: everything needed to serve Estacionate on http://127.0.0.1:3000 from a fresh
# machine of this kind — tools, PostgreSQL, the database, migrations, demo data — then serve.
source "$(dirname "$0")/lib.sh"

scripts/ensure-tools.sh
eval "$(scripts/ensure-db.sh)"
export DATABASE_URL="${DATABASE_URL:-$PGSERVER_URL/estacionate}"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"

say "cargo leptos build --split (the admin screens in their own WebAssembly chunks)"
cargo leptos build --split

server="$CARGO_TARGET_DIR/debug/server"
say "migrating"
"$server" migrate
# Demo data on an empty database (prints the demo logins); does nothing on a populated one.
"$server" seed-demo

say "serving on http://$LEPTOS_SITE_ADDR (Ctrl-C to stop)"
exec "$server" serve

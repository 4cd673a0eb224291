#!/usr/bin/env bash
# Finds a PostgreSQL server and prints `export PGSERVER_URL=...` (a URL without database name).
# Order: DATABASE_URL if set; else 127.0.0.1:5432 (user postgres, trust auth); else a private
# cluster under target/pg on port 55432, started from the system's PostgreSQL binaries
# (installed with apt-get when absent and we are root).
# Usage: eval "$(scripts/ensure-db.sh)"
source "$(dirname "$0")/lib.sh"

reachable() { # url
  psql "$1" -Atqc 'select 1' >/dev/null 2>&1
}

server_of() { # strip the database name: postgres://u@h:p/db?x -> postgres://u@h:p
  printf '%s\n' "$1" | sed -E 's#^(postgres(ql)?://[^/]+).*#\1#'
}

if ! command -v psql >/dev/null; then
  apt_install postgresql-client >&2
fi

if [ -n "${DATABASE_URL:-}" ]; then
  reachable "$(server_of "$DATABASE_URL")/postgres" || reachable "$DATABASE_URL" \
    || die "DATABASE_URL is set but its server does not answer."
  echo "export PGSERVER_URL='$(server_of "$DATABASE_URL")'"
  exit 0
fi

if reachable "postgres://postgres@127.0.0.1:5432/postgres"; then
  echo "export PGSERVER_URL='postgres://postgres@127.0.0.1:5432'"
  exit 0
fi

# A private cluster of our own.
PGDIR="$ROOT/target/pg"
PGPORT=55432
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  apt_install postgresql >&2
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
run_pg() { # initdb and pg_ctl refuse to run as root: use the postgres user then
  if is_root; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
  say "initialising a private PostgreSQL cluster in $PGDIR" >&2
  mkdir -p "$PGDIR"
  if is_root; then chown postgres:postgres "$PGDIR"; fi
  run_pg "'$bindir/initdb' -D '$PGDIR/data' -U postgres -A trust -E UTF8 --no-instructions" >/dev/null
fi
if ! reachable "postgres://postgres@127.0.0.1:$PGPORT/postgres"; then
  say "starting the private PostgreSQL cluster on port $PGPORT" >&2
  run_pg "'$bindir/pg_ctl' -D '$PGDIR/data' -l '$PGDIR/log' -w -o \"-c listen_addresses=127.0.0.1 -p $PGPORT -c unix_socket_directories='$PGDIR'\" start" >/dev/null
fi
reachable "postgres://postgres@127.0.0.1:$PGPORT/postgres" || die "could not start PostgreSQL (see $PGDIR/log)"
echo "export PGSERVER_URL='postgres://postgres@127.0.0.1:$PGPORT'"

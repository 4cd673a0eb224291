#!/usr/bin/env bash
# Restore: a dump of scripts/backup.sh into a NEW database (never over an existing one), then a
# check that the schema and migrations came back.
#   scripts/restore.sh FILE NEW_DATABASE [SERVER_URL]
# SERVER_URL (postgres://user@host:port, no database name) defaults to the server of
# DATABASE_URL. Point a server at the result with DATABASE_URL=SERVER_URL/NEW_DATABASE and the
# SAME PII keys the dumped database was written with: with other keys nothing personal decrypts.
set -euo pipefail
die() { printf 'xx %s\n' "$*" >&2; exit 1; }

file="${1:-}"; db="${2:-}"
[ -n "$file" ] && [ -n "$db" ] || die "usage: scripts/restore.sh FILE NEW_DATABASE [SERVER_URL]"
[ -r "$file" ] || die "cannot read $file"
[[ "$db" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "NEW_DATABASE must be a plain lower-case name"
server="${3:-$(printf '%s\n' "${DATABASE_URL:-}" | sed -E 's#^(postgres(ql)?://[^/]+).*#\1#')}"
[ -n "$server" ] || die "give SERVER_URL or set DATABASE_URL"
command -v pg_restore >/dev/null || die "pg_restore is missing (apt-get install postgresql-client)"

exists=$(psql "$server/postgres" -Atqc "select 1 from pg_database where datname = '$db'")
[ -z "$exists" ] || die "database $db already exists: restore into a new one"
psql "$server/postgres" -qc "create database $db" >/dev/null
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$server/$db" "$file" \
  || die "pg_restore failed; $db is incomplete (drop it before trying again)"
migrations=$(psql "$server/$db" -Atqc "select count(*) from _sqlx_migrations where success")
printf 'restore: %s restored into %s (%s migrations applied)\n' "$file" "$db" "$migrations"
echo "restore: serve it with DATABASE_URL=<server>/$db and the same PII_ENCRYPTION_KEYS and PII_BLIND_INDEX_KEY"

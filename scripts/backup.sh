#!/usr/bin/env bash
# Backup: a pg_dump of the database of record in custom format (compressed; pg_restore can
# restore all or part of it, in parallel), checked readable before it is reported.
#   scripts/backup.sh [DATABASE_URL] [FILE]
# DATABASE_URL defaults to the environment's; FILE to backups/estacionate-<UTC time>.dump.
# The dump holds PII only encrypted: PII_ENCRYPTION_KEYS and PII_BLIND_INDEX_KEY are never in
# the database, so never in a dump. Keep them in the deployment's secret store, apart from the
# dumps: a dump without its keys is unreadable, and keys stored with a dump protect nothing.
set -euo pipefail
die() { printf 'xx %s\n' "$*" >&2; exit 1; }

url="${1:-${DATABASE_URL:-}}"
[ -n "$url" ] || die "usage: scripts/backup.sh [DATABASE_URL] [FILE] (or set DATABASE_URL)"
out="${2:-backups/estacionate-$(date -u +%Y%m%dT%H%M%SZ).dump}"
command -v pg_dump >/dev/null || die "pg_dump is missing (apt-get install postgresql-client)"
mkdir -p "$(dirname "$out")"
umask 077
# --no-owner/--no-privileges: restorable into any database by any role the operator chooses.
pg_dump --format=custom --no-owner --no-privileges --file="$out.partial" --dbname="$url"
pg_restore --list "$out.partial" >/dev/null || die "the dump just written is not readable"
mv "$out.partial" "$out"
printf 'backup: %s (%s, %s tables)\n' "$out" "$(du -h "$out" | cut -f1)" \
  "$(pg_restore --list "$out" | grep -c ' TABLE DATA ')"
echo "backup: the PII keys are not in it; restoring needs the same PII_ENCRYPTION_KEYS and PII_BLIND_INDEX_KEY"

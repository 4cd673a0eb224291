#!/usr/bin/env bash
# `scripts/bench.sh`: a reproducible load measurement of this machine, run on demand (never part
# of `make test`). Everything runs on loopback; every process it starts is stopped on exit.
#
#  1. Recreates the database `estacionate_bench` on the PostgreSQL scripts/ensure-db.sh finds,
#     migrates it and seeds BUILDINGS × SPOTS × DAYS × 2 availability blocks (Día and Noche) plus
#     approved residents (`bench seed`, server/src/bin/bench/seed.rs).
#  2. Booking throughput: CLIENTS concurrent clients run the real booking transaction
#     (app::booking::ssr::create) on distinct blocks for SECONDS (`bench book`). Baseline in the
#     same run: pgbench inserting distinct ranges into an exclusion-constrained throwaway table.
#  3. Search page: the release server on 127.0.0.1:3200, a resident logged in, `GET /buscar`
#     under wrk with CONNECTIONS connections for SECONDS. Baseline: a bare axum endpoint with one
#     primary-key query (`bench_baseline`) on 127.0.0.1:3201, same wrk settings.
#  4. Prints a summary and writes it to target/bench/summary.md (raw outputs next to it).
#
# Usage: scripts/bench.sh [--buildings N] [--spots S] [--days D] [--seconds T] [--clients C]
#                         [--connections K]
# or the same through BENCH_BUILDINGS, BENCH_SPOTS, BENCH_DAYS, BENCH_SECONDS, BENCH_CLIENTS,
# BENCH_CONNECTIONS. Defaults: 20 buildings × 10 spots × 30 days (12,000 blocks), 10 s, 16
# clients, 64 connections.
source "$(dirname "$0")/lib.sh"

BUILDINGS="${BENCH_BUILDINGS:-20}"
SPOTS="${BENCH_SPOTS:-10}"
DAYS="${BENCH_DAYS:-30}"
DURATION="${BENCH_SECONDS:-10}"
CLIENTS="${BENCH_CLIENTS:-16}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"

usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --buildings) BUILDINGS="${2:-}"; shift 2 ;;
    --spots) SPOTS="${2:-}"; shift 2 ;;
    --days) DAYS="${2:-}"; shift 2 ;;
    --seconds) DURATION="${2:-}"; shift 2 ;;
    --clients) CLIENTS="${2:-}"; shift 2 ;;
    --connections) CONNECTIONS="${2:-}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
in_range buildings "$BUILDINGS" 1 1000
in_range spots "$SPOTS" 1 99
in_range days "$DAYS" 1 179
in_range seconds "$DURATION" 1 300
in_range clients "$CLIENTS" 1 256
in_range connections "$CONNECTIONS" 1 1024

APP_ADDR="127.0.0.1:3200"
BASE_ADDR="127.0.0.1:3201"
DB_NAME="estacionate_bench"
BENCH_PASSWORD="Bench.Estacionate.2026"
WRK_THREADS=2
WARMUP_SECONDS=2
OUT="$ROOT/target/bench"
rm -rf "$OUT"
mkdir -p "$OUT/site"

# ---------------------------------------------------------------------------------------------
# Tools, database server, release build
command -v wrk >/dev/null || apt_install wrk
command -v pgbench >/dev/null || apt_install postgresql-client
command -v curl >/dev/null || apt_install curl
eval "$(scripts/ensure-db.sh)"
DB_URL="$PGSERVER_URL/$DB_NAME"
# This measures one machine: the database must be on it too.
PG_HOSTPORT=${PGSERVER_URL#*://}
PG_HOSTPORT=${PG_HOSTPORT#*@}
case "$PG_HOSTPORT" in
  127.0.0.1:*|localhost:*|\[::1\]:*) ;;
  *) die "PostgreSQL must be on a loopback address for the bench (found $PG_HOSTPORT)" ;;
esac

say "release build of server, bench and bench_baseline (nice -n 10; several minutes the first time)"
nice -n 10 cargo build --release -p server --bins
BIN="$CARGO_TARGET_DIR/release"

# Every process started below is recorded here and stopped on exit, however the script ends.
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM
stop() { # pid: stop one process we started and forget it
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local keep=() pid
  for pid in "${PIDS[@]}"; do [ "$pid" = "$1" ] || keep+=("$pid"); done
  PIDS=("${keep[@]}")
}
wait_http() { # url pid log: until the URL answers 2xx (60 s at most)
  for _ in $(seq 1 120); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { cat "$3" >&2; die "the process behind $1 exited during startup"; }
    sleep 0.5
  done
  cat "$3" >&2
  die "$1 did not answer within 60 s"
}
kv() { # file key: the value of `key=value` in file
  awk -F= -v k="$2" '$1 == k { sub(/^[^=]*=/, ""); print; exit }' "$1"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# The app and the bench share one configuration; sessions in PostgreSQL (single instance), and
# whatever PII keys are configured (the development keys when none are).
unset REDIS_URL
export APP_ENV=test
export DATABASE_URL="$DB_URL"
export RUST_LOG="${RUST_LOG:-info,sqlx=warn}"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started_at=$(date -u '+%Y-%m-%d %H:%M UTC')

# ---------------------------------------------------------------------------------------------
say "recreating $DB_NAME, migrating, seeding $BUILDINGS buildings × $SPOTS spots × $DAYS days"
psql "$PGSERVER_URL/postgres" -qc "drop database if exists $DB_NAME with (force)" >/dev/null
psql "$PGSERVER_URL/postgres" -qc "create database $DB_NAME" >/dev/null
"$BIN/server" migrate >"$OUT/migrate.log" 2>&1 || { cat "$OUT/migrate.log"; die "migration failed"; }
"$BIN/bench" seed --buildings "$BUILDINGS" --spots "$SPOTS" --days "$DAYS" --password "$BENCH_PASSWORD" \
  >"$OUT/seed.txt" 2>"$OUT/seed.log" || { cat "$OUT/seed.log"; die "seeding failed"; }
grep -v 'DEVELOPMENT keys' "$OUT/seed.log" || true
BLOCKS=$(kv "$OUT/seed.txt" blocks)
LOGIN_EMAIL=$(kv "$OUT/seed.txt" login_email)
psql "$DB_URL" -qc "vacuum analyze" >/dev/null

# ---------------------------------------------------------------------------------------------
say "booking: $CLIENTS clients × ${DURATION} s through app::booking::ssr::create"
"$BIN/bench" book --clients "$CLIENTS" --seconds "$DURATION" --out "$OUT/booking.txt" 2>"$OUT/booking.log" \
  || { cat "$OUT/booking.log"; die "the booking driver failed"; }
grep -v 'DEVELOPMENT keys' "$OUT/booking.log" || true
cat "$OUT/booking.txt"

say "booking baseline: pgbench, $CLIENTS clients × ${DURATION} s, exclusion-constrained inserts"
psql "$DB_URL" -q >/dev/null <<'SQL'
drop table if exists bench_overlap;
drop sequence if exists bench_overlap_seq;
create table bench_overlap (
    spot_id integer not null,
    during  tstzrange not null,
    exclude using gist (spot_id with =, during with &&)
);
create sequence bench_overlap_seq;
SQL
# Distinct ranges, like the booking run's distinct blocks: transaction n takes spot n mod 5000
# and the n div 5000-th 11-hour slot (slots 12 h apart), so every insert really inserts.
cat >"$OUT/pgbench-overlap.sql" <<'SQL'
insert into bench_overlap (spot_id, during)
select n % 5000, tstzrange(t, t + interval '11 hours')
  from (select nextval('bench_overlap_seq') as n) s
 cross join lateral (select timestamptz '2030-01-01 08:00+00' + (n / 5000) * interval '12 hours' as t) x;
SQL
(cd "$OUT" && pgbench -n -c "$CLIENTS" -j 2 -T "$DURATION" -f pgbench-overlap.sql -l --log-prefix=pgbench-log "$DB_URL") >"$OUT/pgbench.txt" 2>&1 \
  || { cat "$OUT/pgbench.txt"; die "pgbench failed"; }
cat "$OUT/pgbench.txt"
PGB_TPS=$(awk '/^tps = / { printf "%.1f", $3; exit }' "$OUT/pgbench.txt")
PGB_FAILED=$(awk '/number of failed transactions/ { print $5; exit }' "$OUT/pgbench.txt")
# Per-transaction log: the third field is the latency in microseconds.
cat "$OUT"/pgbench-log.* | awk '{ print $3 }' | sort -n >"$OUT/pgbench-latencies.txt"
pct() { # sorted-file pct: nearest-rank percentile, µs -> ms
  awk -v p="$2" '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } r = int((NR * p + 99) / 100); if (r < 1) r = 1; printf "%.2f", v[r] / 1000 }' "$1"
}
PGB_P50=$(pct "$OUT/pgbench-latencies.txt" 50)
PGB_P99=$(pct "$OUT/pgbench-latencies.txt" 99)
rm -f "$OUT"/pgbench-log.*
psql "$DB_URL" -qc "drop table bench_overlap; drop sequence bench_overlap_seq" >/dev/null

# ---------------------------------------------------------------------------------------------
# The relay worker would otherwise spend the search run turning the booking run's outbox events
# into (no) messages; the search measurement is about the page.
psql "$DB_URL" -qc "update outbox set relayed_at = now() where relayed_at is null" >/dev/null
psql "$DB_URL" -qc "vacuum analyze" >/dev/null

# In the logged-in resident's building, the day whose blocks are closest to half booked, so the
# page shows both kinds of card and runs its "already booked?" check on the free ones.
SEARCH_DATE=$(psql "$DB_URL" -Atc "
  select (b.starts_at at time zone bl.time_zone)::date
    from availability_blocks b join buildings bl on bl.id = b.building_id
   where bl.id = (select id from buildings order by name limit 1) and b.starts_at > now()
   group by 1 order by abs(2 * count(*) filter (where b.status = 'available') - count(*)), 1 limit 1")

say "search page: the release server on http://$APP_ADDR (empty site root: the page HTML is server-rendered)"
LEPTOS_SITE_ROOT="$OUT/site" LEPTOS_SITE_ADDR="$APP_ADDR" PUBLIC_ORIGIN="http://$APP_ADDR" \
  "$BIN/server" serve >"$OUT/server.log" 2>&1 &
PIDS+=($!)
server_pid=$!
wait_http "http://$APP_ADDR/readyz" "$server_pid" "$OUT/server.log"

curl -fsS -o /dev/null -D "$OUT/login.headers" -X POST "http://$APP_ADDR/api/identity/log_in" \
  -H "Origin: http://$APP_ADDR" -H "Accept: application/json" \
  --data-urlencode "email=$LOGIN_EMAIL" --data-urlencode "password=$BENCH_PASSWORD" \
  || die "login request failed"
COOKIE=$(grep -i '^set-cookie:' "$OUT/login.headers" | tail -n 1 | sed -E 's/^[Ss]et-[Cc]ookie: *//; s/;.*//' | tr -d '\r')
[ -n "$COOKIE" ] || { cat "$OUT/login.headers"; die "login returned no session cookie"; }
SEARCH_URL="http://$APP_ADDR/buscar?fecha=$SEARCH_DATE"
curl -fsS -H "Cookie: $COOKIE" "$SEARCH_URL" -o "$OUT/search.html" || die "GET $SEARCH_URL failed"
grep -q 'data-testid="available-count"' "$OUT/search.html" && grep -q 'Edificio Bench' "$OUT/search.html" \
  || die "the search page did not render results for the logged-in resident (see $OUT/search.html)"
SEARCH_BYTES=$(wc -c <"$OUT/search.html")
SEARCH_CARDS=$(grep -o 'data-testid="block-card"' "$OUT/search.html" | wc -l || true)
SEARCH_TAKEN=$(grep -o 'block-card--taken' "$OUT/search.html" | wc -l || true)

run_wrk() { # name url [header]: warm-up, then the measured run into $OUT/wrk-<name>.txt
  local name=$1 url=$2; shift 2
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${WARMUP_SECONDS}s" "$@" "$url" >/dev/null
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s --latency "$@" "$url" >"$OUT/wrk-$name.txt"
  cat "$OUT/wrk-$name.txt"
}
wrk_rps() { awk '/^Requests\/sec:/ { print $2; exit }' "$1"; }
wrk_pct() { # file pct: "  50%   1.23ms" -> ms
  awk -v p="$2%" '$1 == p {
      v = $2; u = v; gsub(/[0-9.]/, "", u); sub(/[a-z]+$/, "", v)
      if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000
      printf "%.2f", v; exit }' "$1"
}
wrk_bad() { # non-2xx/3xx responses plus socket errors
  awk '/Non-2xx or 3xx responses:/ { n += $NF }
       /Socket errors:/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) { x = $i; sub(/,/, "", x); n += x } }
       END { print n + 0 }' "$1"
}

say "search: wrk $CONNECTIONS connections × ${DURATION} s on GET /buscar?fecha=$SEARCH_DATE (after a ${WARMUP_SECONDS} s warm-up)"
run_wrk search "$SEARCH_URL" -H "Cookie: $COOKIE"
# The cookie must still be valid after the run, or the numbers are those of an error page.
curl -fsS -H "Cookie: $COOKIE" "$SEARCH_URL" | grep -q 'data-testid="available-count"' \
  || die "the session did not survive the run; the measurement is not of the search page"
# The server's memory under that load: its peak resident set (VmHWM) since it started, and now.
SERVER_PEAK_MB=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status")
SERVER_RSS_MB=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status")
stop "$server_pid"

say "search baseline: bench_baseline on http://$BASE_ADDR (one primary-key query)"
"$BIN/bench_baseline" --addr "$BASE_ADDR" >"$OUT/baseline.log" 2>&1 &
PIDS+=($!)
base_pid=$!
wait_http "http://$BASE_ADDR/building" "$base_pid" "$OUT/baseline.log"
run_wrk baseline "http://$BASE_ADDR/building"
stop "$base_pid"

# ---------------------------------------------------------------------------------------------
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
pgver=$(psql "$DB_URL" -Atc "show server_version")
pgset=$(psql "$DB_URL" -Atc "select string_agg(name || '=' || current_setting(name), ', ' order by name) from pg_settings where name in ('shared_buffers', 'synchronous_commit', 'max_connections')")
pool=${DATABASE_MAX_CONNECTIONS:-16}
rev=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)

B_RATE=$(kv "$OUT/booking.txt" per_second)
S_RPS=$(wrk_rps "$OUT/wrk-search.txt")
BL_RPS=$(wrk_rps "$OUT/wrk-baseline.txt")

cat >"$OUT/summary.md" <<EOF
## Bench run $started_at (commit $rev)

Machine: $(nproc) cores ($cpu), $mem, **shared** with other work (load average before $load_before,
after $load_after). PostgreSQL $pgver at $PG_HOSTPORT ($pgset), loopback; driver, servers, load tools and
database on the same cores. Data: $BUILDINGS buildings × $SPOTS spots × $DAYS days = $BLOCKS blocks.
Pool: $pool connections per process. Duration: ${DURATION} s per measurement.

| measurement | throughput | p50 | p99 | failures |
|---|---:|---:|---:|---|
| booking: \`booking::ssr::create\`, $CLIENTS clients, distinct blocks | **$B_RATE bookings/s** ($(kv "$OUT/booking.txt" bookings) in $(kv "$OUT/booking.txt" elapsed_s) s) | $(kv "$OUT/booking.txt" p50_ms) ms | $(kv "$OUT/booking.txt" p99_ms) ms | $(kv "$OUT/booking.txt" conflicts) conflicts, $(kv "$OUT/booking.txt" errors) errors, $(kv "$OUT/booking.txt" timeouts) timeouts, $(kv "$OUT/booking.txt" overlaps) overlaps |
| baseline: pgbench exclusion-constrained insert, $CLIENTS clients | **$PGB_TPS tps** | $PGB_P50 ms | $PGB_P99 ms | ${PGB_FAILED:-0} failed |
| **ratio booking ÷ baseline** | **$(ratio "$B_RATE" "$PGB_TPS")** | | | |
| search page: \`GET /buscar\` (resident logged in; $SEARCH_BYTES bytes, $SEARCH_CARDS block cards of which $SEARCH_TAKEN booked), wrk $CONNECTIONS conns | **$S_RPS req/s** | $(wrk_pct "$OUT/wrk-search.txt" 50) ms | $(wrk_pct "$OUT/wrk-search.txt" 99) ms | $(wrk_bad "$OUT/wrk-search.txt") non-2xx/socket errors |
| baseline: bare axum + one PK query, wrk $CONNECTIONS conns | **$BL_RPS req/s** | $(wrk_pct "$OUT/wrk-baseline.txt" 50) ms | $(wrk_pct "$OUT/wrk-baseline.txt" 99) ms | $(wrk_bad "$OUT/wrk-baseline.txt") non-2xx/socket errors |
| **ratio search ÷ baseline** | **$(ratio "$S_RPS" "$BL_RPS")** | | p99 ×$(ratio "$(wrk_pct "$OUT/wrk-search.txt" 99)" "$(wrk_pct "$OUT/wrk-baseline.txt" 99)") | |
| server memory under the search load | peak RSS **$SERVER_PEAK_MB MB** (at the end $SERVER_RSS_MB MB) | | | |

Raw outputs: target/bench/ (booking.txt, pgbench.txt, wrk-search.txt, wrk-baseline.txt, search.html, logs).
EOF

# The figures as key=value lines, for scripts that repeat this run (scripts/bench-growth.sh).
cat >"$OUT/figures.txt" <<EOF
booking_per_s=$B_RATE
pgbench_tps=$PGB_TPS
booking_ratio=$(ratio "$B_RATE" "$PGB_TPS")
search_rps=$S_RPS
search_p50_ms=$(wrk_pct "$OUT/wrk-search.txt" 50)
search_p99_ms=$(wrk_pct "$OUT/wrk-search.txt" 99)
baseline_rps=$BL_RPS
baseline_p50_ms=$(wrk_pct "$OUT/wrk-baseline.txt" 50)
baseline_p99_ms=$(wrk_pct "$OUT/wrk-baseline.txt" 99)
search_ratio=$(ratio "$S_RPS" "$BL_RPS")
search_p99_ratio=$(ratio "$(wrk_pct "$OUT/wrk-search.txt" 99)" "$(wrk_pct "$OUT/wrk-baseline.txt" 99)")
server_peak_rss_mb=$SERVER_PEAK_MB
search_errors=$(wrk_bad "$OUT/wrk-search.txt")
EOF

say "summary (target/bench/summary.md)"
cat "$OUT/summary.md"

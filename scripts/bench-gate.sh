#!/usr/bin/env bash
# `scripts/bench-gate.sh`: gate verification latency under concurrent concierges, against a bare
# primary-key endpoint in the same run (issue 7, "Measure"). Run on demand, never part of
# `make test`. Everything runs on loopback; every process it starts is stopped on exit.
#
#  1. Recreates the database `estacionate_bench_gate`, migrates it and seeds a year of history
#     (`bench seed-gate`, server/src/bin/bench/gate_seed.rs): BUILDINGS × SPOTS × (DAYS + AHEAD)
#     × 2 blocks, most booked, statuses and access events as the application would have left
#     them, one concierge account per building.
#  2. Starts the release server on 127.0.0.1:3210 and `bench_baseline` on 127.0.0.1:3211.
#  3. `bench gate`: ROUNDS rounds; in each, CONCIERGES fresh concierge accounts (each in its own
#     building) log in and verify WARMUP + REQUESTS plates and codes in a closed loop over
#     `POST /api/gate/verify`, then as many clients make as many requests to the baseline. Every
#     verdict is checked against the data afterwards.
#  4. Prints a summary and writes it to target/bench/gate-summary.md (raw outputs next to it).
#
# Usage: scripts/bench-gate.sh [--buildings N] [--spots S] [--days D] [--ahead A]
#                              [--concierges C] [--requests R] [--warmup W] [--rounds K]
#                              [--keep-data]
# or the same through BENCH_GATE_BUILDINGS, _SPOTS, _DAYS, _AHEAD, _CONCIERGES, _REQUESTS, _WARMUP,
# _ROUNDS. Defaults: 100 buildings × 10 spots × 365 days (+ 14 ahead), 32 concierges, 100
# measured (+ 5 warm-up) verifications each, 3 rounds. --keep-data reuses the database of an
# earlier run (seeding takes several minutes) if it was seeded less than 3 hours ago.
source "$(dirname "$0")/lib.sh"

BUILDINGS="${BENCH_GATE_BUILDINGS:-100}"
SPOTS="${BENCH_GATE_SPOTS:-10}"
DAYS="${BENCH_GATE_DAYS:-365}"
AHEAD="${BENCH_GATE_AHEAD:-14}"
CONCIERGES="${BENCH_GATE_CONCIERGES:-32}"
REQUESTS="${BENCH_GATE_REQUESTS:-100}"
WARMUP="${BENCH_GATE_WARMUP:-5}"
ROUNDS="${BENCH_GATE_ROUNDS:-3}"
KEEP_DATA=

usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --buildings) BUILDINGS="${2:-}"; shift 2 ;;
    --spots) SPOTS="${2:-}"; shift 2 ;;
    --days) DAYS="${2:-}"; shift 2 ;;
    --ahead) AHEAD="${2:-}"; shift 2 ;;
    --concierges) CONCIERGES="${2:-}"; shift 2 ;;
    --requests) REQUESTS="${2:-}"; shift 2 ;;
    --warmup) WARMUP="${2:-}"; shift 2 ;;
    --rounds) ROUNDS="${2:-}"; shift 2 ;;
    --keep-data) KEEP_DATA=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
in_range buildings "$BUILDINGS" 2 1000
in_range spots "$SPOTS" 1 99
in_range days "$DAYS" 1 730
in_range ahead "$AHEAD" 0 179
in_range concierges "$CONCIERGES" 1 256
in_range requests "$REQUESTS" 1 1000
in_range warmup "$WARMUP" 0 100
in_range rounds "$ROUNDS" 1 20
# The application's limits decide the rest (bench gate checks them against app::ssr::rate_limit).
[ $((CONCIERGES * ROUNDS)) -le "$BUILDINGS" ] \
  || die "concierges × rounds ($((CONCIERGES * ROUNDS))) must not exceed buildings ($BUILDINGS): one fresh account per building"

APP_ADDR="127.0.0.1:3210"
BASE_ADDR="127.0.0.1:3211"
DB_NAME="estacionate_bench_gate"
BENCH_PASSWORD="Bench.Estacionate.2026"
OUT="$ROOT/target/bench"
mkdir -p "$OUT/site-gate"
# gate-seed.* describe the data and stay with it (--keep-data); the rest is this run's.
rm -f "$OUT"/gate-results.txt "$OUT"/gate-{driver,server,baseline,migrate}.log "$OUT/gate-summary.md"

# ---------------------------------------------------------------------------------------------
command -v curl >/dev/null || apt_install curl
eval "$(scripts/ensure-db.sh)"
DB_URL="$PGSERVER_URL/$DB_NAME"
PG_HOSTPORT=${PGSERVER_URL#*://}
PG_HOSTPORT=${PG_HOSTPORT#*@}
case "$PG_HOSTPORT" in
  127.0.0.1:*|localhost:*|\[::1\]:*) ;;
  *) die "PostgreSQL must be on a loopback address for the bench (found $PG_HOSTPORT)" ;;
esac

say "release build of server, bench and bench_baseline (nice -n 10; several minutes the first time)"
nice -n 10 cargo build --release -p server --bin server --bin bench --bin bench_baseline
BIN="$CARGO_TARGET_DIR/release"

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM
wait_http() { # url pid log: until the URL answers 2xx (60 s at most)
  for _ in $(seq 1 120); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { cat "$3" >&2; die "the process behind $1 exited during startup"; }
    sleep 0.5
  done
  cat "$3" >&2
  die "$1 did not answer within 60 s"
}
kv() { awk -F= -v k="$2" '$1 == k { sub(/^[^=]*=/, ""); print; exit }' "$1"; }
cpu_ticks() { awk '/^cpu / { idle = $5 + $6; total = 0; for (i = 2; i <= NF; i++) total += $i; print total, idle }' /proc/stat; }

unset REDIS_URL
export APP_ENV=test
export DATABASE_URL="$DB_URL"
export RUST_LOG="${RUST_LOG:-info,sqlx=warn}"

started_at=$(date -u '+%Y-%m-%d %H:%M UTC')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
seeded_hours_ago() {
  psql "$DB_URL" -Atc "select coalesce(floor(extract(epoch from now() - min(created_at)) / 3600)::int, -1) from buildings" 2>/dev/null || echo -1
}
if [ -n "$KEEP_DATA" ] && age=$(seeded_hours_ago) && [ "$age" -ge 0 ] && [ "$age" -lt 3 ]; then
  say "reusing $DB_NAME (seeded $age h ago)"
  "$BIN/server" migrate >"$OUT/gate-migrate.log" 2>&1 || { cat "$OUT/gate-migrate.log"; die "migration failed"; }
else
  say "recreating $DB_NAME, seeding $BUILDINGS buildings × $SPOTS spots × ($DAYS days + $AHEAD ahead) (several minutes)"
  psql "$PGSERVER_URL/postgres" -qc "drop database if exists $DB_NAME with (force)" >/dev/null
  psql "$PGSERVER_URL/postgres" -qc "create database $DB_NAME" >/dev/null
  "$BIN/server" migrate >"$OUT/gate-migrate.log" 2>&1 || { cat "$OUT/gate-migrate.log"; die "migration failed"; }
  seed_started=$(date +%s)
  # sqlx warns about every slow statement with its whole text; the seed's are slow by design.
  RUST_LOG=info,sqlx=error "$BIN/bench" seed-gate --buildings "$BUILDINGS" --spots "$SPOTS" --days "$DAYS" --ahead "$AHEAD" \
    --password "$BENCH_PASSWORD" >"$OUT/gate-seed.txt" 2>"$OUT/gate-seed.log" \
    || { cat "$OUT/gate-seed.log"; die "seeding failed"; }
  grep -v 'DEVELOPMENT keys' "$OUT/gate-seed.log" || true
  echo "seconds=$(($(date +%s) - seed_started))" >>"$OUT/gate-seed.txt"
  say "vacuum analyze"
  psql "$DB_URL" -qc "vacuum analyze" >/dev/null
fi

# Volumes as the run finds them (the seed's own counts are in gate-seed.txt).
count() { psql "$DB_URL" -Atc "select count(*) from $1"; }
N_BUILDINGS=$(count buildings); N_BLOCKS=$(count availability_blocks); N_BOOKINGS=$(count bookings)
N_EVENTS=$(count access_events); N_USERS=$(count users)
BY_STATUS=$(psql "$DB_URL" -Atc "select string_agg(status || ' ' || n, ', ' order by n desc) from (select status, count(*) n from bookings group by 1) s")
DB_SIZE=$(psql "$DB_URL" -Atc "select pg_size_pretty(pg_database_size(current_database()))")
SPAN=$(psql "$DB_URL" -Atc "select to_char(min(starts_at), 'YYYY-MM-DD') || ' to ' || to_char(max(starts_at), 'YYYY-MM-DD') from bookings")

# ---------------------------------------------------------------------------------------------
say "the release server on http://$APP_ADDR and bench_baseline on http://$BASE_ADDR"
server_started=$(psql "$DB_URL" -Atc "select now()")
LEPTOS_SITE_ROOT="$OUT/site-gate" LEPTOS_SITE_ADDR="$APP_ADDR" PUBLIC_ORIGIN="http://$APP_ADDR" \
  "$BIN/server" serve >"$OUT/gate-server.log" 2>&1 &
PIDS+=($!)
wait_http "http://$APP_ADDR/readyz" "$!" "$OUT/gate-server.log"
"$BIN/bench_baseline" --addr "$BASE_ADDR" >"$OUT/gate-baseline.log" 2>&1 &
PIDS+=($!)
wait_http "http://$BASE_ADDR/building" "$!" "$OUT/gate-baseline.log"
# The server's jobs run on start; let the first tick (availability generator, sweeps) finish so
# the measurement sees the steady state, as a server that has been up for a while would.
sleep 5

say "gate: $ROUNDS rounds × $CONCIERGES concierges × ($WARMUP + $REQUESTS) verifications, alternating with the baseline"
read -r cpu_total0 cpu_idle0 < <(cpu_ticks)
"$BIN/bench" gate --app "http://$APP_ADDR" --baseline "http://$BASE_ADDR/building" \
  --concierges "$CONCIERGES" --requests "$REQUESTS" --warmup "$WARMUP" --rounds "$ROUNDS" \
  --password "$BENCH_PASSWORD" --out "$OUT/gate-results.txt" >/dev/null 2>"$OUT/gate-driver.log" \
  || { cat "$OUT/gate-driver.log"; die "the gate driver failed (errors or wrong verdicts: see above)"; }
read -r cpu_total1 cpu_idle1 < <(cpu_ticks)
grep -v 'DEVELOPMENT keys' "$OUT/gate-driver.log" || true
CPU_BUSY=$(awk -v t="$((cpu_total1 - cpu_total0))" -v i="$((cpu_idle1 - cpu_idle0))" 'BEGIN { if (t > 0) printf "%.0f", 100 * (t - i) / t; else print "n/a" }')
# What the server's scheduled jobs did meanwhile (a consistent seed leaves the sweeps nothing).
JOBS=$(psql "$DB_URL" -Atc "
  select coalesce(string_agg(format('%s ×%s (last: %s)', job_name, n, last), '; ' order by job_name), 'none')
    from (select job_name, count(*) n, (array_agg(coalesce(error, result::text) order by started_at desc))[1] last
            from job_runs where started_at >= '$server_started' group by 1) j" 2>/dev/null || echo unknown)
cleanup

# ---------------------------------------------------------------------------------------------
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
pgver=$(psql "$DB_URL" -Atc "show server_version")
pgset=$(psql "$DB_URL" -Atc "select string_agg(name || '=' || current_setting(name), ', ' order by name) from pg_settings where name in ('shared_buffers', 'synchronous_commit', 'max_connections')")
rev=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
R="$OUT/gate-results.txt"
ROUND_LINES=$(grep '^round[0-9]' "$R" | sed -E 's/^round([0-9]+)=/- round \1: /')

cat >"$OUT/gate-summary.md" <<EOF
## Gate verification bench $started_at (commit $rev)

Machine: $(nproc) cores ($cpu), $mem, **shared** with other work: load average $load_before before,
$load_after after; CPU busy $CPU_BUSY % during the measurement. PostgreSQL $pgver at $PG_HOSTPORT ($pgset);
server, baseline, driver and database on the same cores, loopback. Pool: ${DATABASE_MAX_CONNECTIONS:-16} connections per
process; PostgreSQL sessions; in-memory rate limiter (no Redis).

Data: $N_BUILDINGS buildings, $N_BLOCKS availability blocks, **$N_BOOKINGS bookings** ($SPAN; $BY_STATUS),
$N_EVENTS access events, $N_USERS users; database $DB_SIZE.

Load: $(kv "$R" rounds) rounds × $(kv "$R" concierges) concurrent concierges (fresh accounts, one building each), closed
loop, $(kv "$R" warmup_per_concierge) unmeasured + $(kv "$R" requests_per_concierge) measured verifications each per round;
baseline: as many clients × as many requests, alternating with the gate rounds.
Mix: $(kv "$R" mix). Verdicts checked against the data: $(kv "$R" verdicts_checked), mismatches: $(kv "$R" verdict_mismatches).
Jobs run by the server from its start to the end of the measurement: $JOBS.

| measurement | requests | errors | req/s | p50 | p95 | p99 | max |
|---|---:|---:|---:|---:|---:|---:|---:|
| gate: \`POST /api/gate/verify\` (session, rate limit, lookup, access event) | $(kv "$R" gate_requests) | $(kv "$R" gate_errors) | $(kv "$R" gate_per_second) | $(kv "$R" gate_p50_ms) ms | $(kv "$R" gate_p95_ms) ms | $(kv "$R" gate_p99_ms) ms | $(kv "$R" gate_max_ms) ms |
| baseline: bare axum, one primary-key query | $(kv "$R" base_requests) | $(kv "$R" base_errors) | $(kv "$R" base_per_second) | $(kv "$R" base_p50_ms) ms | $(kv "$R" base_p95_ms) ms | $(kv "$R" base_p99_ms) ms | $(kv "$R" base_max_ms) ms |
| **ratio gate ÷ baseline** | | | | **$(kv "$R" ratio_p50)** | | **$(kv "$R" ratio_p99)** | |

Per round:
$ROUND_LINES

Raw outputs: target/bench/ (gate-results.txt, gate-seed.txt, gate-driver.log, gate-server.log).
EOF

say "summary (target/bench/gate-summary.md)"
cat "$OUT/gate-summary.md"

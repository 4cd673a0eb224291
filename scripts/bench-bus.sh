#!/usr/bin/env bash
# `scripts/bench-bus.sh`: the notification pipeline under load, on demand (never part of
# `make test`). Everything runs on loopback.
#
#  1. Recreates the database `estacionate_bench_bus` on the PostgreSQL scripts/ensure-db.sh finds
#     and migrates it; uses the Redis scripts/ensure-redis.sh finds (a fresh stream per run).
#  2. Baseline: plain XADD (one producer) and XREADGROUP + XACK (one consumer, batches of 50) of
#     RAW envelope-sized entries on that Redis.
#  3. Pipeline: EVENTS bookings confirmed through the state machine by WRITERS concurrent
#     transactions; the relay, the notification consumer and the sender run with the server's
#     production settings; Twilio is a local fake that answers 201 at once.
#  4. Prints events/s of both, their ratio, and the commit → Twilio delay (p50, p99, max); writes
#     target/bench/bus-summary.md.
#
# Usage: scripts/bench-bus.sh [--events N] [--writers W] [--raw R]
# Defaults: 2000 events, 8 writers, 20000 raw entries.
source "$(dirname "$0")/lib.sh"

EVENTS="${BENCH_EVENTS:-2000}"
WRITERS="${BENCH_WRITERS:-8}"
RAW="${BENCH_RAW:-20000}"
while [ $# -gt 0 ]; do
  case "$1" in
    --events) EVENTS="${2:-}"; shift 2 ;;
    --writers) WRITERS="${2:-}"; shift 2 ;;
    --raw) RAW="${2:-}"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done
for v in "$EVENTS" "$WRITERS" "$RAW"; do
  [[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -ge 1 ] || die "counts must be positive integers (got '$v')"
done

OUT="$ROOT/target/bench"
mkdir -p "$OUT"
eval "$(scripts/ensure-db.sh)"
eval "$(scripts/ensure-redis.sh)"
DB_URL="$PGSERVER_URL/estacionate_bench_bus"
say "release build of server and bench_bus (nice -n 10; several minutes the first time)"
nice -n 10 cargo build --release -p server --bins
BIN="$CARGO_TARGET_DIR/release"

psql "$PGSERVER_URL/postgres" -qc "drop database if exists estacionate_bench_bus with (force)" >/dev/null
psql "$PGSERVER_URL/postgres" -qc "create database estacionate_bench_bus" >/dev/null
export APP_ENV=test DATABASE_URL="$DB_URL" REDIS_URL="$REDIS_TEST_URL" RUST_LOG="${RUST_LOG:-warn}"
"$BIN/server" migrate >"$OUT/bus-migrate.log" 2>&1 || { cat "$OUT/bus-migrate.log"; die "migration failed"; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
say "pipeline: $EVENTS events from $WRITERS writers; baseline: $RAW raw stream entries"
"$BIN/bench_bus" --events "$EVENTS" --writers "$WRITERS" --raw "$RAW" >"$OUT/bus.txt" 2>"$OUT/bus.log" \
  || { cat "$OUT/bus.log"; die "bench_bus failed"; }
kv() { awk -F= -v k="$1" '$1 == k { print $2; exit }' "$OUT/bus.txt"; }
cat >"$OUT/bus-summary.md" <<SUMMARY
# Notification pipeline ($(date -u '+%Y-%m-%d %H:%M UTC'), load before: $load_before)

| | events/s |
|---|---|
| outbox → relay → Redis stream → consumer → Twilio (fake) | $(kv pipeline_events_per_s) |
| plain XADD + XREADGROUP/XACK, same Redis | $(kv raw_events_per_s) |
| **ratio** | **$(kv ratio_pipeline_vs_raw)** |

Commit → Twilio delay: p50 $(kv delay_p50_ms) ms, p99 $(kv delay_p99_ms) ms, max $(kv delay_max_ms) ms
($(kv events) events from $(kv writers) writers; commits took $(kv commit_seconds) s, all sent after $(kv pipeline_seconds) s).

Command: \`scripts/bench-bus.sh --events $EVENTS --writers $WRITERS --raw $RAW\`
SUMMARY
say "summary (target/bench/bus-summary.md)"
cat "$OUT/bus-summary.md"

#!/usr/bin/env bash
# `scripts/bench-bus.sh`: the notification pipeline under load, on demand (never part of
# `make test`). Everything runs on loopback.
#
#  1. Recreates the database `estacionate_bench_bus` on the PostgreSQL scripts/ensure-db.sh finds
#     and migrates it; uses the Redis scripts/ensure-redis.sh finds (a fresh stream per run).
#  2. Baseline: plain XADD (one producer) and XREADGROUP + XACK (one consumer, batches of 50) of
#     RAW envelope-sized entries on that Redis.
#  3. Throughput: EVENTS bookings confirmed through the state machine by WRITERS concurrent
#     transactions, all committed first; then the relay, the notification consumer and the
#     sender start (the server's production settings) and drain them; events/s from their start
#     to the last message reaching Twilio, a local fake that answers 201 at once.
#  4. Delay: on a fresh database, STEADY_EVENTS confirmations spread evenly at RATE per second
#     while the pipeline runs; the commit → Twilio delay of each (p50, p99, max).
#  5. Prints both, the ratio to the raw streams, and writes target/bench/bus-summary.md.
#
# Usage: scripts/bench-bus.sh [--events N] [--writers W] [--raw R] [--rate R] [--steady-events N]
# Defaults: 5000 events, 8 writers, 20000 raw entries; 2000 events at 200 per second.
source "$(dirname "$0")/lib.sh"

EVENTS="${BENCH_EVENTS:-5000}"
RATE="${BENCH_RATE:-200}"
STEADY_EVENTS="${BENCH_STEADY_EVENTS:-2000}"
WRITERS="${BENCH_WRITERS:-8}"
RAW="${BENCH_RAW:-20000}"
while [ $# -gt 0 ]; do
  case "$1" in
    --events) EVENTS="${2:-}"; shift 2 ;;
    --writers) WRITERS="${2:-}"; shift 2 ;;
    --raw) RAW="${2:-}"; shift 2 ;;
    --rate) RATE="${2:-}"; shift 2 ;;
    --steady-events) STEADY_EVENTS="${2:-}"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done
for v in "$EVENTS" "$WRITERS" "$RAW" "$RATE" "$STEADY_EVENTS"; do
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

export APP_ENV=test DATABASE_URL="$DB_URL" REDIS_URL="$REDIS_TEST_URL" RUST_LOG="${RUST_LOG:-warn}"
fresh_db() {
  psql "$PGSERVER_URL/postgres" -qc "drop database if exists estacionate_bench_bus with (force)" >/dev/null
  psql "$PGSERVER_URL/postgres" -qc "create database estacionate_bench_bus" >/dev/null
  "$BIN/server" migrate >"$OUT/bus-migrate.log" 2>&1 || { cat "$OUT/bus-migrate.log"; die "migration failed"; }
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
say "throughput: $EVENTS events from $WRITERS writers, then drained; baseline: $RAW raw stream entries"
fresh_db
"$BIN/bench_bus" --events "$EVENTS" --writers "$WRITERS" --raw "$RAW" >"$OUT/bus.txt" 2>"$OUT/bus.log" \
  || { cat "$OUT/bus.log"; die "bench_bus failed"; }
say "delay: $STEADY_EVENTS events at $RATE per second"
fresh_db
"$BIN/bench_bus" --events "$STEADY_EVENTS" --writers "$WRITERS" --raw 1000 --rate "$RATE" >"$OUT/bus-steady.txt" 2>"$OUT/bus-steady.log" \
  || { cat "$OUT/bus-steady.log"; die "bench_bus --rate failed"; }
kv() { awk -F= -v k="$1" '$1 == k { print $2; exit }' "${2:-$OUT/bus.txt}"; }
cat >"$OUT/bus-summary.md" <<SUMMARY
# Notification pipeline ($(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown), load before: $load_before)

| | events/s |
|---|---|
| outbox → relay → Redis stream → consumer → Twilio (fake), draining $(kv events) committed events | $(kv pipeline_events_per_s) |
| plain XADD + XREADGROUP/XACK, same Redis | $(kv raw_events_per_s) |
| **ratio** | **$(kv ratio_pipeline_vs_raw)** |

Commit → Twilio delay at a steady $RATE events/s ($(kv events "$OUT/bus-steady.txt") events, $(kv writers "$OUT/bus-steady.txt") writers):
p50 **$(kv delay_p50_ms "$OUT/bus-steady.txt") ms**, p99 **$(kv delay_p99_ms "$OUT/bus-steady.txt") ms**, max $(kv delay_max_ms "$OUT/bus-steady.txt") ms.

Command: \`scripts/bench-bus.sh --events $EVENTS --writers $WRITERS --raw $RAW --rate $RATE --steady-events $STEADY_EVENTS\`
SUMMARY
say "summary (target/bench/bus-summary.md)"
cat "$OUT/bus-summary.md"

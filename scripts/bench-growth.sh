#!/usr/bin/env bash
# `scripts/bench-growth.sh`: how search and the gate slow down as the data grows tenfold (issue
# 15, "growth"). Run on demand, never part of `make test`. It runs the two existing benchmarks
# twice each, at 1× and at 10× the data, and compares their latencies:
#
#  - search (`scripts/bench.sh`): BUILDINGS and 10 × BUILDINGS buildings (× 10 spots × 30 days);
#    the logged-in resident's page is the same shape in both, only the tables around it grow;
#  - gate (`scripts/bench-gate.sh`): 100 buildings with DAYS and 10 × DAYS days of history (a
#    gate's data grows with time: every past booking and access event stays).
#
# Each size runs RUNS times and the median of each figure is reported. Results:
# target/bench-growth/summary.md (each run's own summary next to it).
#
# Usage: scripts/bench-growth.sh [--buildings N] [--days D] [--runs K] [--seconds T]
# Defaults: 20 buildings (search), 36 days (gate; 10× = 360), 3 runs, 10 s per search measurement.
source "$(dirname "$0")/lib.sh"

BUILDINGS=20
DAYS=36
RUNS=3
SECONDS_PER_RUN=10
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --buildings) BUILDINGS="${2:-}"; shift 2 ;;
    --days) DAYS="${2:-}"; shift 2 ;;
    --runs) RUNS="${2:-}"; shift 2 ;;
    --seconds) SECONDS_PER_RUN="${2:-}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
in_range buildings "$BUILDINGS" 1 100
in_range days "$DAYS" 1 73
in_range runs "$RUNS" 1 9
in_range seconds "$SECONDS_PER_RUN" 1 300

OUT="$ROOT/target/bench-growth"
rm -rf "$OUT"
mkdir -p "$OUT"
kv() { awk -F= -v k="$2" '$1 == k { sub(/^[^=]*=/, ""); print; exit }' "$1"; }
median() { # numbers on stdin -> the median (the mean of the middle two for an even count)
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit }
    if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
med() { # dir-glob key: the median of key over the figure files matching the glob
  local f
  for f in $1; do kv "$f" "$2"; done | median
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# --- search at 1× and 10× ---------------------------------------------------------------------
for size in 1 10; do
  n=$((BUILDINGS * size))
  for run in $(seq 1 "$RUNS"); do
    say "search, ${size}× ($n buildings), run $run of $RUNS"
    scripts/bench.sh --buildings "$n" --seconds "$SECONDS_PER_RUN" >"$OUT/search-${size}x-$run.log" 2>&1 \
      || { tail -n 40 "$OUT/search-${size}x-$run.log"; die "scripts/bench.sh failed"; }
    cp "$ROOT/target/bench/figures.txt" "$OUT/search-${size}x-$run.txt"
    cp "$ROOT/target/bench/summary.md" "$OUT/search-${size}x-$run.md"
  done
done

# --- gate at 1× and 10× -----------------------------------------------------------------------
for size in 1 10; do
  d=$((DAYS * size))
  for run in $(seq 1 "$RUNS"); do
    keep=()
    # The same size seeds once; its later runs reuse the data (bench-gate.sh --keep-data).
    [ "$run" -gt 1 ] && keep=(--keep-data)
    say "gate, ${size}× ($d days of history), run $run of $RUNS"
    scripts/bench-gate.sh --days "$d" "${keep[@]}" >"$OUT/gate-${size}x-$run.log" 2>&1 \
      || { tail -n 40 "$OUT/gate-${size}x-$run.log"; die "scripts/bench-gate.sh failed"; }
    cp "$ROOT/target/bench/gate-results.txt" "$OUT/gate-${size}x-$run.txt"
    cp "$ROOT/target/bench/gate-summary.md" "$OUT/gate-${size}x-$run.md"
    grep -E '^Data:' -A1 "$OUT/gate-${size}x-$run.md" | head -n 2 >"$OUT/gate-${size}x-data.txt"
  done
done

S1_P50=$(med "$OUT/search-1x-*.txt" search_p50_ms); S10_P50=$(med "$OUT/search-10x-*.txt" search_p50_ms)
S1_P99=$(med "$OUT/search-1x-*.txt" search_p99_ms); S10_P99=$(med "$OUT/search-10x-*.txt" search_p99_ms)
S1_RPS=$(med "$OUT/search-1x-*.txt" search_rps); S10_RPS=$(med "$OUT/search-10x-*.txt" search_rps)
G1_P50=$(med "$OUT/gate-1x-*.txt" gate_p50_ms); G10_P50=$(med "$OUT/gate-10x-*.txt" gate_p50_ms)
G1_P99=$(med "$OUT/gate-1x-*.txt" gate_p99_ms); G10_P99=$(med "$OUT/gate-10x-*.txt" gate_p99_ms)
GB1_P50=$(med "$OUT/gate-1x-*.txt" base_p50_ms); GB10_P50=$(med "$OUT/gate-10x-*.txt" base_p50_ms)
rev=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)

cat >"$OUT/summary.md" <<EOF
## Growth bench $(date -u '+%Y-%m-%d %H:%M UTC') (commit $rev), median of $RUNS runs per size

| path | 1× | 10× | 10× ÷ 1× |
|---|---|---|---:|
| search \`GET /buscar\` p50 ($BUILDINGS → $((BUILDINGS * 10)) buildings) | $S1_P50 ms | $S10_P50 ms | **$(ratio "$S10_P50" "$S1_P50")** |
| search p99 | $S1_P99 ms | $S10_P99 ms | **$(ratio "$S10_P99" "$S1_P99")** |
| search req/s | $S1_RPS | $S10_RPS | $(ratio "$S10_RPS" "$S1_RPS") |
| gate \`POST /api/gate/verify\` p50 ($DAYS → $((DAYS * 10)) days of history, 100 buildings) | $G1_P50 ms | $G10_P50 ms | **$(ratio "$G10_P50" "$G1_P50")** |
| gate p99 | $G1_P99 ms | $G10_P99 ms | **$(ratio "$G10_P99" "$G1_P99")** |
| gate's baseline p50 (same runs) | $GB1_P50 ms | $GB10_P50 ms | $(ratio "$GB10_P50" "$GB1_P50") |

Gate data at 1×: $(tr '\n' ' ' <"$OUT/gate-1x-data.txt")

Gate data at 10×: $(tr '\n' ' ' <"$OUT/gate-10x-data.txt")

Each run's own summary: target/bench-growth/search-*x-N.md, gate-*x-N.md.
EOF
say "summary (target/bench-growth/summary.md)"
cat "$OUT/summary.md"

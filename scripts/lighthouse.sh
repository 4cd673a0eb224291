#!/usr/bin/env bash
# `scripts/lighthouse.sh`: Lighthouse (mobile profile) on three pages of the release build, and
# the size of the WebAssembly bundle. A benchmark run on demand, never part of `make test`.
# Everything runs on loopback; every process it starts is stopped on exit.
#
#  1. `cargo leptos build --release --split` (nice -n 10; skipped with --no-build): the release server
#     ($CARGO_TARGET_DIR/release/server) and the site (target/site, with the wasm-release
#     profile's bundle).
#  2. Recreates the database `estacionate_lighthouse`, seeds the demo data (`server seed-demo`)
#     and serves the release build on http://127.0.0.1:3300 (APP_ENV=test, sessions in PostgreSQL).
#  3. Logs the demo resident in (curl, the login server function) and books a block through the
#     real flow: booking form, payment simulator (Aprobar), result page, which links the guest pass.
#  4. Lighthouse 12 (scripts/lighthouse/, pinned; Debian's Chromium, headless) with its default
#     profile: mobile form factor, simulated throttling (slow 4G, 4× CPU slowdown), performance
#     category only, RUNS times per page:
#       home    /                         anonymous
#       search  /buscar?fecha=<tomorrow>  the resident's session cookie (--extra-headers)
#       pass    /pase/{token}             anonymous, the guest pass of the booking above
#  5. Prints and writes target/lighthouse/summary.md: per page the median over the runs of the
#     performance score (0–100), LCP, TBT, CLS, FCP, Speed Index and the bytes transferred, and
#     the gzip -9 size of target/site/pkg/*.wasm, *.js (the glue) and *.css. The JSON reports
#     (<page>-<run>.json) and the server log are next to it.
#
# Usage: scripts/lighthouse.sh [--runs N] [--no-build] [--site-root DIR]
# or the same through LIGHTHOUSE_RUNS, LIGHTHOUSE_NO_BUILD=1, LIGHTHOUSE_SITE_ROOT. Defaults: 3
# runs, build first, the site in target/site. The scores vary from run to run (and with the
# load of this shared machine): read the medians, and the benchmark index Lighthouse reports.
source "$(dirname "$0")/lib.sh"

COMMAND="scripts/lighthouse.sh${*:+ $*}"
RUNS="${LIGHTHOUSE_RUNS:-3}"
BUILD=1
[ "${LIGHTHOUSE_NO_BUILD:-}" = 1 ] && BUILD=0
SITE_ROOT="${LIGHTHOUSE_SITE_ROOT:-$ROOT/target/site}"

usage() { sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="${2:-}"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --site-root) SITE_ROOT="${2:-}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[[ "$RUNS" =~ ^[0-9]+$ ]] && [ "$RUNS" -ge 1 ] && [ "$RUNS" -le 25 ] || die "runs must be an integer in 1..25 (got '$RUNS')"

APP_ADDR="127.0.0.1:3300"
ORIGIN="http://$APP_ADDR"
DB_NAME="estacionate_lighthouse"
RESIDENT_EMAIL="residente@estacionate.cl" # server/src/seed/people.rs
DEMO_PASSWORD="Estacionate.Demo.2026"     # server/src/seed/mod.rs DEMO_PASSWORD
CHROME=/usr/bin/chromium
LH_DIR="$ROOT/scripts/lighthouse"
LH="$LH_DIR/node_modules/.bin/lighthouse"
OUT="$ROOT/target/lighthouse"
rm -rf "$OUT"
mkdir -p "$OUT"

# ---------------------------------------------------------------------------------------------
# Tools, browser, Lighthouse, database server, release build
command -v curl >/dev/null || apt_install curl
command -v gzip >/dev/null || apt_install gzip
scripts/ensure-browser.sh # Debian's Chromium (and npm)
if [ ! -x "$LH" ] || [ "$LH_DIR/package-lock.json" -nt "$LH_DIR/node_modules/.package-lock.json" ]; then
  say "npm ci (scripts/lighthouse)"
  (cd "$LH_DIR" && npm ci --no-audit --no-fund)
fi
eval "$(scripts/ensure-db.sh)"
DB_URL="$PGSERVER_URL/$DB_NAME"

if [ "$BUILD" = 1 ]; then
  scripts/ensure-tools.sh
  say "cargo leptos build --release --split (nice -n 10; several minutes the first time)"
  nice -n 10 cargo leptos build --release --split
fi
SERVER="$CARGO_TARGET_DIR/release/server"
[ -x "$SERVER" ] || die "no release server at $SERVER (run without --no-build)"
compgen -G "$SITE_ROOT/pkg/*.wasm" >/dev/null || die "no WebAssembly bundle in $SITE_ROOT/pkg (run without --no-build)"

# Every process started below is recorded here and stopped on exit, however the script ends,
# with its descendants (Lighthouse's Chromium runs in a process group of its own).
PIDS=()
descendants() { # pid: its child processes' ids, recursively
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    descendants "$child"
    echo "$child"
  done
}
cleanup() {
  local pid victims=()
  # shellcheck disable=SC2207 # process ids: no spaces, no globs
  for pid in "${PIDS[@]}"; do victims+=($(descendants "$pid") "$pid"); done
  for pid in "${victims[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started_at=$(date -u '+%Y-%m-%d %H:%M UTC')

# ---------------------------------------------------------------------------------------------
say "recreating $DB_NAME and seeding the demo data"
psql "$PGSERVER_URL/postgres" -qc "drop database if exists $DB_NAME with (force)" >/dev/null
psql "$PGSERVER_URL/postgres" -qc "create database $DB_NAME" >/dev/null
unset REDIS_URL
export APP_ENV=test
export DATABASE_URL="$DB_URL"
export RUST_LOG="${RUST_LOG:-info,sqlx=warn}"
"$SERVER" seed-demo >"$OUT/seed.log" 2>&1 || { cat "$OUT/seed.log"; die "seed-demo failed"; }

say "serving the release build on $ORIGIN (site: $SITE_ROOT; log: target/lighthouse/server.log)"
LEPTOS_SITE_ROOT="$SITE_ROOT" LEPTOS_SITE_ADDR="$APP_ADDR" PUBLIC_ORIGIN="$ORIGIN" \
  "$SERVER" serve >"$OUT/server.log" 2>&1 &
PIDS+=($!)
server_pid=$!
for _ in $(seq 1 120); do
  curl -fsS -o /dev/null "$ORIGIN/readyz" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$OUT/server.log" >&2; die "the server exited during startup"; }
  sleep 0.5
done
curl -fsS -o /dev/null "$ORIGIN/readyz" || { cat "$OUT/server.log" >&2; die "the server did not become ready within 60 s"; }

# ---------------------------------------------------------------------------------------------
# The resident's session, and a confirmed booking made the way a resident makes one.
say "logging $RESIDENT_EMAIL in and booking a block through the form and the payment simulator"
CURL=(curl -fsS --max-time 30)
post() { # path out-headers accept [--data-urlencode k=v]...: a same-origin post with the session
  # (accept text/html: a plain form's post, answered with a redirect, as without JavaScript)
  local path=$1 headers=$2 accept=$3; shift 3
  "${CURL[@]}" -o /dev/null -D "$headers" -X POST "$ORIGIN$path" -H "Origin: $ORIGIN" -H "Referer: $ORIGIN/" \
    -H "Accept: $accept" ${COOKIE:+-H "Cookie: $COOKIE"} "$@"
}
location() { # headers file: the Location header's value, without the origin
  grep -i '^location:' "$1" | tail -n 1 | sed -E 's/^[Ll]ocation: *//' | tr -d '\r' | sed "s#^$ORIGIN##"
}
get() { # path out-file: a page, as the browser of the logged-in resident asks for it
  "${CURL[@]}" -H "Accept: text/html" -H "Cookie: $COOKIE" "$ORIGIN$1" -o "$2" || die "GET $1 failed"
}

COOKIE=
post /api/identity/log_in "$OUT/login.headers" application/json \
  --data-urlencode "email=$RESIDENT_EMAIL" --data-urlencode "password=$DEMO_PASSWORD" || die "login request failed"
COOKIE=$(grep -i '^set-cookie:' "$OUT/login.headers" | tail -n 1 | sed -E 's/^[Ss]et-[Cc]ookie: *//; s/;.*//' | tr -d '\r')
[ -n "$COOKIE" ] || { cat "$OUT/login.headers"; die "login returned no session cookie"; }

# Dates in the resident's building's time zone: the search page shows tomorrow (a whole day of
# blocks whatever the hour of the run); the booking is the day after, more than 24 h ahead.
day() { # offset in days from today
  psql "$DB_URL" -Atc "select to_char((now() at time zone b.time_zone)::date + $1, 'YYYY-MM-DD')
                         from users u join buildings b on b.id = u.building_id where u.email = '$RESIDENT_EMAIL'"
}
SEARCH_DATE=$(day 1)
BOOK_DATE=$(day 2)
[ -n "$SEARCH_DATE" ] || die "the demo resident $RESIDENT_EMAIL has no building"

get "/buscar?fecha=$BOOK_DATE" "$OUT/book-search.html"
BLOCK_ID=$(grep -oE '/reservar/[0-9a-f-]{36}' "$OUT/book-search.html" | head -n 1 | sed 's#/reservar/##' || true)
[ -n "$BLOCK_ID" ] || die "no bookable block on $BOOK_DATE in the search page (see target/lighthouse/book-search.html)"
post /api/booking/book "$OUT/book.headers" text/html --data-urlencode "block_id=$BLOCK_ID" \
  --data-urlencode "visitor_name=Matías Rivas" --data-urlencode "plate=KHJT-52" --data-urlencode "visitor_phone=" \
  || die "the booking form post failed"
GO_TO=$(location "$OUT/book.headers")
[[ "$GO_TO" == /pago/ir/* ]] || { cat "$OUT/book.headers"; die "the booking did not lead to payment (Location: '$GO_TO')"; }
BOOKING_ID=${GO_TO#/pago/ir/}
# /pago/ir/{id} redirects to the simulator's signed checkout page.
"${CURL[@]}" -o /dev/null -D "$OUT/checkout.headers" -H "Accept: text/html" -H "Cookie: $COOKIE" "$ORIGIN$GO_TO" || die "GET $GO_TO failed"
SIMULATOR=$(location "$OUT/checkout.headers")
[[ "$SIMULATOR" == /pago/simulador/* ]] || { cat "$OUT/checkout.headers"; die "checkout did not lead to the simulator (Location: '$SIMULATOR')"; }
get "$SIMULATOR" "$OUT/simulator.html"
field() { # name: the value of the hidden input `name` in the simulator page
  grep -oE "name=\"$1\" value=\"[^\"]*\"" "$OUT/simulator.html" | head -n 1 | sed -E 's/.*value="([^"]*)"/\1/'
}
FIRMA=$(field firma)
MONTO=$(field monto)
[ -n "$FIRMA" ] && [ -n "$MONTO" ] || die "the simulator page has no payment form (see target/lighthouse/simulator.html)"
post /api/payments/simulator_confirm "$OUT/pay.headers" text/html --data-urlencode "booking_id=$BOOKING_ID" \
  --data-urlencode "firma=$FIRMA" --data-urlencode "monto=$MONTO" --data-urlencode "decision=aprobar" \
  || die "the simulator's Aprobar post failed"
RESULT=$(location "$OUT/pay.headers")
[[ "$RESULT" == /pago/exito* ]] || { cat "$OUT/pay.headers"; die "the payment was not approved (Location: '$RESULT')"; }
get "$RESULT" "$OUT/result.html"
PASS_PATH=$(grep -oE '/pase/[A-Za-z0-9_-]{32,64}' "$OUT/result.html" | head -n 1 || true)
[ -n "$PASS_PATH" ] || die "the payment result page links no guest pass (see target/lighthouse/result.html)"

# Each page must render what it is about before it is measured (not a login or error page).
SEARCH_PATH="/buscar?fecha=$SEARCH_DATE"
get "$SEARCH_PATH" "$OUT/search.html"
grep -q 'data-testid="block-card"' "$OUT/search.html" || die "the search page shows no blocks (see target/lighthouse/search.html)"
"${CURL[@]}" "$ORIGIN$PASS_PATH" -o "$OUT/pass.html" || die "GET the guest pass failed"
grep -q 'data-testid="pass-state"' "$OUT/pass.html" || die "the guest pass page shows no pass (see target/lighthouse/pass.html)"
"${CURL[@]}" "$ORIGIN/" -o "$OUT/home.html" || die "GET / failed"
# The cookie goes in as an extra header on every request of the search page's runs.
COOKIE="$COOKIE" node -e 'process.stdout.write(JSON.stringify({ Cookie: process.env.COOKIE }))' >"$OUT/search-headers.json"

# ---------------------------------------------------------------------------------------------
PAGES=(home search pass)
declare -A URL=([home]="$ORIGIN/" [search]="$ORIGIN$SEARCH_PATH" [pass]="$ORIGIN$PASS_PATH")
declare -A LABEL=([home]="\`/\`" [search]="\`/buscar?fecha=$SEARCH_DATE\` (resident)" [pass]="\`/pase/{token}\`")
for run in $(seq 1 "$RUNS"); do
  for page in "${PAGES[@]}"; do
    say "lighthouse run $run/$RUNS: $page (${URL[$page]#"$ORIGIN"})"
    extra=()
    [ "$page" = search ] && extra=(--extra-headers="$OUT/search-headers.json")
    # In the background, so that an interrupt stops it (and its Chromium) at once.
    CHROME_PATH="$CHROME" "$LH" "${URL[$page]}" --quiet --only-categories=performance \
      --chrome-flags="--headless=new --no-sandbox" "${extra[@]}" \
      --output=json --output-path="$OUT/$page-$run.json" 2>"$OUT/$page-$run.log" &
    PIDS+=($!)
    wait $! || { cat "$OUT/$page-$run.log" >&2; die "lighthouse failed on $page (run $run)"; }
    unset 'PIDS[-1]'
  done
done

# ---------------------------------------------------------------------------------------------
bundle_rows() { # markdown rows: file, bytes, gzip -9 bytes (the lazy screens' chunks summed)
  local f bytes=0 gz=0 n=0
  for f in "$SITE_ROOT"/pkg/*.wasm "$SITE_ROOT"/pkg/*.js "$SITE_ROOT"/pkg/*.css; do
    [ -f "$f" ] || continue
    case "$(basename "$f")" in
      chunk_*.wasm | split_*.wasm)
        bytes=$((bytes + $(wc -c <"$f"))); gz=$((gz + $(gzip -9 -c "$f" | wc -c))); n=$((n + 1)) ;;
      *) printf '| `pkg/%s` | %s | **%s** |\n' "$(basename "$f")" "$(wc -c <"$f")" "$(gzip -9 -c "$f" | wc -c)" ;;
    esac
  done
  [ "$n" -eq 0 ] || printf '| %s lazy chunks (`pkg/split_*.wasm`, `pkg/chunk_*.wasm`: the admin screens, loaded when opened) | %s | %s |\n' "$n" "$bytes" "$gz"
}
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
rev=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)

{
  echo "## Lighthouse run $started_at (commit $rev)"
  echo
  echo "Command: \`$COMMAND\`. Lighthouse $("$LH" --version), $("$CHROME" --version 2>/dev/null | head -n 1),"
  echo "Node $(node -v); mobile profile (simulated throttling: 150 ms RTT, 1.6 Mbps, 4× CPU slowdown),"
  echo "performance category; median of $RUNS runs per page. Release server on $ORIGIN with the demo data."
  echo "Machine: $(nproc) cores ($cpu), **shared** with other work (load average before $load_before, after"
  echo "$load_after)."
  echo
  node "$LH_DIR/summarize.mjs" "$OUT" "$RUNS" home "${LABEL[home]}" search "${LABEL[search]}" pass "${LABEL[pass]}"
  echo
  site=$(realpath "$SITE_ROOT")
  echo "Bundle (\`${site#"$ROOT"/}\`):"
  echo
  echo "| file | bytes | gzip -9 |"
  echo "|---|---:|---:|"
  bundle_rows
  echo
  echo "Raw outputs: target/lighthouse/ (<page>-<run>.json Lighthouse reports, server.log)."
} >"$OUT/summary.md"

say "summary (target/lighthouse/summary.md)"
cat "$OUT/summary.md"

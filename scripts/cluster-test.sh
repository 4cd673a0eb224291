#!/usr/bin/env bash
# The cluster test (run by scripts/test.sh after Playwright, on the debug build it already has):
# two APP_ENV=production instances behind HAProxy over HTTPS (scripts/cluster-lib.sh), a fake
# Twilio over HTTPS, Prometheus scraping every second.
#   1. Crash: the seed journey in Playwright (end2end/cluster/journey.spec.ts); one instance gets
#      SIGKILL after the booking, before the payment. Then: every confirmed booking has exactly
#      one confirmation per recipient (database and fake Twilio, no duplicates), no outbox row is
#      stuck, and Prometheus scraped a non-zero bookings_confirmed_total from the survivor.
#   2. Rolling restart under load: wrk sends a logged-in resident's mix of requests through
#      HAProxy for LOAD_SECONDS (30) while each instance in turn gets SIGTERM (must exit 0) and
#      starts again: no request may fail. Prints requests, errors, p50 and p99.
# Ports derive from E2E_ADDR's port P (3100 by default): HTTPS P+5000, instances P+11 and P+12,
# metrics P+6011 and P+6012, Prometheus P+6090, fake Twilio P+5001.
source "$(dirname "$0")/lib.sh"

started=$(date +%s)
E2E_ADDR="${E2E_ADDR:-127.0.0.1:3100}"
P=${E2E_ADDR##*:}
export CLUSTER_PROFILE="${CLUSTER_PROFILE:-debug}"
export CLUSTER_DIR="$ROOT/target/cluster-test"
export CLUSTER_DB_NAME="${E2E_DB_NAME:-estacionate_e2e}_cluster"
export CLUSTER_HTTPS_PORT=$((P + 5000))
export CLUSTER_APP_PORTS="$((P + 11)) $((P + 12))"
export CLUSTER_METRICS_PORTS="$((P + 6011)) $((P + 6012))"
export CLUSTER_PROMETHEUS_PORT=$((P + 6090))
export CLUSTER_SCRAPE_INTERVAL=1s
TWILIO_PORT=$((P + 5001))
LOAD_SECONDS="${LOAD_SECONDS:-30}"
source "$ROOT/scripts/cluster-lib.sh"

command -v wrk >/dev/null || apt_install wrk
cluster_ensure_packages
eval "$(scripts/ensure-db.sh)"
eval "$(scripts/ensure-redis.sh)"
mkdir -p "$CLUSTER_DIR"
# A fresh database and fresh keys every run.
rm -f "$CLUSTER_DIR/keys.env"
psql "$PGSERVER_URL/postgres" -qc "drop database if exists $CLUSTER_DB_NAME with (force)" >/dev/null
DB="$PGSERVER_URL/$CLUSTER_DB_NAME"
q() { psql "$DB" -Atqc "$1"; }

twilio_pid=""
cleanup() {
  cluster_stop_all
  [ -z "$twilio_pid" ] || { kill "$twilio_pid" 2>/dev/null || true; wait "$twilio_pid" 2>/dev/null || true; }
}
trap cleanup EXIT

say "cluster test: TLS, fake Twilio, two production instances, HAProxy, Prometheus (in $CLUSTER_DIR)"
cluster_tls
node scripts/cluster/fake-twilio.mjs "$TWILIO_PORT" "$CLUSTER_DIR/tls/server.pem" "$CLUSTER_DIR/tls/server.key" \
  AC00000000000000000000000000cluster twilio-token-del-cluster >"$CLUSTER_DIR/fake-twilio.log" 2>&1 &
twilio_pid=$!
export TWILIO_ACCOUNT_SID=AC00000000000000000000000000cluster TWILIO_AUTH_TOKEN=twilio-token-del-cluster
export TWILIO_WHATSAPP_FROM=whatsapp:+14155238886 TWILIO_API_BASE="https://127.0.0.1:$TWILIO_PORT"
export NOTIFY_TRANSPORT=twilio OUTBOUND_CA_FILE="$CLUSTER_DIR/tls/ca.pem"
cluster_keys 2>/dev/null
cluster_env
cluster_database
: >"$CLUSTER_DIR/app1.log"; : >"$CLUSTER_DIR/app2.log"
start_instance 1
start_instance 2
wait_instance 1
wait_instance 2
cluster_haproxy
cluster_prometheus
ready_at=$(date +%s)

# ---- 1. the crash ---------------------------------------------------------------------------
say "cluster test 1/2: the seed journey over HTTPS; instance 1 gets SIGKILL before the payment"
(cd end2end && BASE_URL="$(cluster_origin)" E2E_DATABASE_URL="$DB" FAKE_TWILIO_URL="https://127.0.0.1:$TWILIO_PORT" \
  KILL_PID_FILE="$CLUSTER_DIR/app1.pid" CLUSTER_SPKI="$(cat "$CLUSTER_DIR/tls/server.spki")" \
  NODE_EXTRA_CA_CERTS="$CLUSTER_DIR/tls/ca.pem" npx playwright test --config cluster.config.ts) \
  || die "the cluster journey failed (logs: $CLUSTER_DIR)"
killed_rc=0; wait "${INSTANCE_PID[1]}" || killed_rc=$?
[ "$killed_rc" = 137 ] || die "instance 1 should have died of SIGKILL (137), exited $killed_rc"

stuck=-1
for _ in $(seq 1 90); do
  stuck=$(q "select count(*) from outbox where relayed_at is null or notified_at is null")
  [ "$stuck" = 0 ] && break
  sleep 1
done
[ "$stuck" = 0 ] || { q "select id, event_type, attempts, relayed_at, notified_at from outbox where notified_at is null"; die "$stuck outbox rows stuck"; }
confirmed=$(q "select count(*) from bookings where confirmed_at is not null")
[ "$confirmed" -ge 1 ] || die "no booking was confirmed"
wrong=$(q "select count(*) from (select b.id from bookings b
             left join notifications n on n.booking_id = b.id and n.kind = 'booking_confirmed'
            where b.confirmed_at is not null
            group by b.id
           having count(n.id) <> 1 + (b.visitor_phone_enc is not null)::int
               or count(distinct n.audience) <> count(n.id)
               or bool_or(n.status not in ('sent', 'delivered'))) bad")
[ "$wrong" = 0 ] || die "$wrong confirmed bookings lack a confirmation, have one twice, or one unsent"
messages=$(q "select count(*) from notifications where kind = 'booking_confirmed'")
twilio_json=$(curl -fsS --cacert "$CLUSTER_DIR/tls/ca.pem" "https://127.0.0.1:$TWILIO_PORT/messages")
read -r twilio_total twilio_duplicates < <(node -e '
  const m = JSON.parse(process.argv[1]);
  const keys = m.map((x) => x.to + "\n" + x.body);
  console.log(m.length, keys.length - new Set(keys).size);' "$twilio_json")
[ "$twilio_duplicates" = 0 ] || die "the fake Twilio received $twilio_duplicates duplicate messages"
scraped=""
for _ in $(seq 1 30); do
  scraped=$(curl -fsS "http://127.0.0.1:$CLUSTER_PROMETHEUS_PORT/api/v1/query" \
    --data-urlencode 'query=bookings_confirmed_total{server="app2"}' \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s).data.result;console.log(r.length?r[0].value[1]:"")})')
  [ -n "$scraped" ] && [ "$scraped" != 0 ] && break
  sleep 1
done
[ -n "$scraped" ] && [ "$scraped" != 0 ] || die "Prometheus has no non-zero bookings_confirmed_total from the surviving instance"
crash_done=$(date +%s)

# ---- 2. rolling restart under load ------------------------------------------------------------
start_instance 1
wait_instance 1
sleep 1.5 # HAProxy's `rise 2` at 500 ms
say "cluster test 2/2: ${LOAD_SECONDS} s of resident load through HAProxy; each instance gets SIGTERM and restarts"
date_d2=$(q "select to_char((now() at time zone 'America/Santiago')::date + 2, 'YYYY-MM-DD')")
curl -fsS --cacert "$CLUSTER_DIR/tls/ca.pem" -o /dev/null -D "$CLUSTER_DIR/login.headers" \
  -X POST "$(cluster_origin)/api/identity/log_in" -H "Origin: $(cluster_origin)" -H "Accept: application/json" \
  --data-urlencode "email=residente@estacionate.cl" --data-urlencode "password=Estacionate.Demo.2026" \
  || die "login through HAProxy failed"
cookie=$(grep -i '^set-cookie: __Host-' "$CLUSTER_DIR/login.headers" | tail -n 1 | sed -E 's/^[Ss]et-[Cc]ookie: *//; s/;.*//' | tr -d '\r')
[ -n "$cookie" ] || { cat "$CLUSTER_DIR/login.headers"; die "login returned no __Host- session cookie"; }

LOAD_DATE="$date_d2" LOAD_COOKIE="$cookie" LOAD_ORIGIN="$(cluster_origin)" \
  wrk -t2 -c8 -d"${LOAD_SECONDS}s" --timeout 10s --latency -s scripts/cluster/load.lua "$(cluster_origin)" \
  >"$CLUSTER_DIR/wrk.txt" 2>&1 &
wrk_pid=$!
sleep 4
restart_rcs=()
for n in 1 2; do
  pid=${INSTANCE_PID[$n]}
  t0=$(date +%s.%N)
  kill -TERM "$pid"
  rc=0; wait "$pid" || rc=$?
  restart_rcs+=("$rc")
  printf '   instance %s: SIGTERM → exited %s after %s s; starting again\n' "$n" "$rc" \
    "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
  start_instance "$n"
  wait_instance "$n"
  sleep 2 # back in rotation before the next one leaves
done
wait "$wrk_pid" || die "wrk failed: $(cat "$CLUSTER_DIR/wrk.txt")"
cat "$CLUSTER_DIR/wrk.txt"
for rc in "${restart_rcs[@]}"; do [ "$rc" = 0 ] || die "an instance exited $rc after SIGTERM (expected 0)"; done
total=$(awk '/requests in/ { print $1; exit }' "$CLUSTER_DIR/wrk.txt")
# Socket errors (connect, read, write, timeout) plus every answer other than 200 (load.lua).
errors=$(awk '/Socket errors:/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) { x = $i; sub(/,/, "", x); n += x } }
             /^not-200:/ { n += $2 }
             END { print n + 0 }' "$CLUSTER_DIR/wrk.txt")
p50=$(awk '$1 == "50%" { print $2; exit }' "$CLUSTER_DIR/wrk.txt")
p99=$(awk '$1 == "99%" { print $2; exit }' "$CLUSTER_DIR/wrk.txt")
[ "${total:-0}" -gt 0 ] || die "the load phase sent no requests"
[ "$errors" = 0 ] || die "$errors requests failed during the rolling restart"
curl -fsS --cacert "$CLUSTER_DIR/tls/ca.pem" -H "Cookie: $cookie" "$(cluster_origin)/mis-reservas" | grep -q 'Mis reservas' \
  || die "the resident's session did not survive the rolling restart"

finished=$(date +%s)
summary="$CLUSTER_DIR/summary.txt"
cat >"$summary" <<EOF
cluster test ($(date -u +%Y-%m-%dT%H:%MZ), $CLUSTER_PROFILE build)
crash (SIGKILL of instance 1 between booking and payment): journey completed; $confirmed confirmed booking(s),
  $messages confirmation message(s) in the database, $twilio_total message(s) at the fake Twilio, $twilio_duplicates duplicate(s);
  0 outbox rows stuck; Prometheus bookings_confirmed_total{server="app2"} = $scraped
rolling restart (SIGTERM + restart of each instance under ${LOAD_SECONDS} s of load): $total requests, $errors errors,
  p50 $p50, p99 $p99; exit statuses after SIGTERM: ${restart_rcs[*]}
time: start-up $((ready_at - started)) s, crash phase $((crash_done - ready_at)) s, load phase $((finished - crash_done)) s, total $((finished - started)) s
EOF
cat "$summary"

#!/usr/bin/env bash
# `make cluster`: Estacionate as a real deployment runs it, on this machine — a release build,
# two `server serve` instances (APP_ENV=production, real generated keys, Redis for sessions, rate
# limits and the bus), HAProxy terminating TLS on https://127.0.0.1:8443 with a certificate from
# a local CA, and Prometheus scraping both instances' /metrics. Ctrl-C stops everything it
# started. Settings: see scripts/cluster-lib.sh (CLUSTER_* variables).
source "$(dirname "$0")/lib.sh"
source "$ROOT/scripts/cluster-lib.sh"

scripts/ensure-tools.sh
if [ "$CLUSTER_PROFILE" = release ]; then
  say "cargo leptos build --release --split"
  nice -n 10 cargo leptos build --release --split
fi
[ -x "$(cluster_server_bin)" ] || die "no server binary at $(cluster_server_bin) (CLUSTER_PROFILE=$CLUSTER_PROFILE)"

trap 'say "stopping the cluster"; cluster_stop_all' EXIT
trap 'exit 130' INT TERM
say "starting the cluster in $CLUSTER_DIR"
cluster_up

cat <<EOF

  Estacionate (2 instances, APP_ENV=production)   $(cluster_origin)
  Trust the local CA to browse without warnings:  $CLUSTER_DIR/tls/ca.pem
      curl --cacert $CLUSTER_DIR/tls/ca.pem $(cluster_origin)/readyz
  Prometheus                                      http://127.0.0.1:$CLUSTER_PROMETHEUS_PORT
      e.g. sum(rate(http_requests_total[1m])) by (route), bookings_confirmed_total
  Instances (direct, for curl)                    http://127.0.0.1:$(app_port 1)  http://127.0.0.1:$(app_port 2)
  Metrics                                         http://127.0.0.1:$(metrics_port 1)/metrics  http://127.0.0.1:$(metrics_port 2)/metrics
  Logs (JSON)                                     $CLUSTER_DIR/app1.log  app2.log  haproxy.log
  Demo logins: $CLUSTER_DIR/seed.txt (printed on the first run; password Estacionate.Demo.2026)

  Rolling restart: kill -TERM \$(cat $CLUSTER_DIR/app1.pid) — it drains, HAProxy moves its traffic, it comes back.
  Ctrl-C stops everything.
EOF
# Supervises until Ctrl-C: an instance that exits (a rolling restart, a crash) is started again,
# as a process manager would; the cluster ends if HAProxy or Prometheus exits.
while kill -0 "$HAPROXY_PID" 2>/dev/null && kill -0 "$PROMETHEUS_PID" 2>/dev/null; do
  for n in 1 2; do
    if ! kill -0 "${INSTANCE_PID[$n]}" 2>/dev/null; then
      rc=0; wait "${INSTANCE_PID[$n]}" || rc=$?
      say "instance $n exited with status $rc; starting it again"
      start_instance "$n"
    fi
  done
  sleep 1
done
warn "HAProxy or Prometheus exited (see $CLUSTER_DIR/haproxy.log, prometheus.log)"

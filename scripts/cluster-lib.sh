# The pieces of a local staging cluster, shared by scripts/cluster.sh (`make cluster`) and
# scripts/cluster-test.sh (run by `make test`): PostgreSQL and Redis as `make run` finds them, two
# `server serve` instances in production mode, HAProxy terminating TLS in front, Prometheus
# scraping both. Sourced after lib.sh; every process started here is recorded in CLUSTER_PIDS and
# stopped by cluster_stop_all.
# shellcheck shell=bash

: "${CLUSTER_DIR:=$ROOT/target/cluster}"
: "${CLUSTER_PROFILE:=release}"                # release (make cluster) or debug (make test)
: "${CLUSTER_DB_NAME:=estacionate_cluster}"
: "${CLUSTER_HTTPS_PORT:=8443}"
: "${CLUSTER_APP_PORTS:=3301 3302}"
: "${CLUSTER_METRICS_PORTS:=9471 9472}"
: "${CLUSTER_PROMETHEUS_PORT:=9490}"
: "${CLUSTER_SCRAPE_INTERVAL:=5s}"
: "${CLUSTER_DRAIN_SECONDS:=3}"
CLUSTER_PIDS=()
declare -A INSTANCE_PID=()

cluster_origin() { echo "https://127.0.0.1:$CLUSTER_HTTPS_PORT"; }
app_port() { local ports=($CLUSTER_APP_PORTS); echo "${ports[$(($1 - 1))]}"; }
metrics_port() { local ports=($CLUSTER_METRICS_PORTS); echo "${ports[$(($1 - 1))]}"; }

# HAProxy and Prometheus from Debian, the way scripts/ensure-*.sh install what is missing.
cluster_ensure_packages() {
  local missing=()
  command -v haproxy >/dev/null || missing+=(haproxy)
  command -v prometheus >/dev/null || missing+=(prometheus)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v curl >/dev/null || missing+=(curl)
  [ ${#missing[@]} -eq 0 ] || apt_install --no-install-recommends "${missing[@]}"
}

# A local certificate authority (kept between runs, so a browser told to trust it once keeps
# trusting it) and, at every start, a fresh certificate for 127.0.0.1 signed by it.
cluster_tls() {
  local tls="$CLUSTER_DIR/tls"
  mkdir -p "$tls"
  if [ ! -s "$tls/ca.pem" ] || ! openssl x509 -checkend 86400 -noout -in "$tls/ca.pem" >/dev/null 2>&1; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
      -keyout "$tls/ca.key" -out "$tls/ca.pem" -subj "/CN=Estacionate local cluster CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null \
      || die "openssl could not create the local CA"
    chmod 600 "$tls/ca.key"
  fi
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$tls/server.key" \
    -out "$tls/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null || die "openssl could not create the server key"
  printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$tls/server.ext"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
    -days 30 -extfile "$tls/server.ext" -out "$tls/server.pem" 2>/dev/null || die "openssl could not sign the certificate"
  cat "$tls/server.pem" "$tls/server.key" >"$tls/haproxy.pem"
  chmod 600 "$tls/server.key" "$tls/haproxy.pem"
  # Chromium can be told to accept exactly this key (tests): its SPKI SHA-256.
  openssl x509 -in "$tls/server.pem" -pubkey -noout | openssl pkey -pubin -outform der \
    | openssl dgst -sha256 -binary | base64 >"$tls/server.spki"
}

# Real keys, generated once per cluster directory and kept there (never in the database).
cluster_keys() {
  local keys="$CLUSTER_DIR/keys.env"
  if [ ! -s "$keys" ]; then
    ( umask 077
      printf 'PII_ENCRYPTION_KEYS=1:%s\nPII_BLIND_INDEX_KEY=%s\n' "$(openssl rand -base64 32)" "$(openssl rand -base64 32)" >"$keys" )
  fi
  set -a; source "$keys"; set +a
  warn "PII keys: generated for this local cluster and kept in $keys (mode 600)."
  warn "  They are real keys: the data of $CLUSTER_DB_NAME is unreadable without them. A real deployment"
  warn "  keeps its keys in its secret store, never next to the database or in a dump."
}

# The environment every instance shares: production, behind HAProxy, Redis for sessions and bus.
cluster_env() {
  export APP_ENV=production
  export DATABASE_URL="$PGSERVER_URL/$CLUSTER_DB_NAME"
  export REDIS_URL="$REDIS_TEST_URL"
  export REDIS_BUS_PREFIX="estacionate-$CLUSTER_DB_NAME"
  export PUBLIC_ORIGIN
  PUBLIC_ORIGIN="$(cluster_origin)"
  export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
  # Only HAProxy (on loopback) may name the client; X-Forwarded-For is the header it writes.
  export TRUSTED_PROXIES=127.0.0.1/32 TRUSTED_PROXY_HEADER=x-forwarded-for
  export PAYMENT_PROVIDER="${PAYMENT_PROVIDER:-simulator}"
  # Without Twilio settings the messages stay in the outbox on purpose (/admin/mensajes).
  if [ -z "${TWILIO_ACCOUNT_SID:-}" ]; then export NOTIFY_TRANSPORT="${NOTIFY_TRANSPORT:-outbox}"; fi
  export SHUTDOWN_DRAIN_SECONDS="$CLUSTER_DRAIN_SECONDS"
  export LOG_FORMAT=json
  export RUST_LOG="${RUST_LOG:-info,sqlx=warn}"
}

cluster_server_bin() { echo "$CARGO_TARGET_DIR/$CLUSTER_PROFILE/server"; }

# The database: created and migrated, demo data on an empty one (seed-demo refuses production,
# so it runs as `test` with the cluster's keys).
cluster_database() {
  local server; server="$(cluster_server_bin)"
  APP_ENV=test "$server" seed-demo >"$CLUSTER_DIR/seed.txt" 2>"$CLUSTER_DIR/seed.log" \
    || { cat "$CLUSTER_DIR/seed.log"; die "seed-demo failed"; }
  "$server" check-config >"$CLUSTER_DIR/check-config.txt" 2>&1 \
    || { cat "$CLUSTER_DIR/check-config.txt"; die "check-config refused the cluster's configuration"; }
}

# start_instance N: `server serve` number N on its own port, metrics port and log.
start_instance() {
  local n=$1 server; server="$(cluster_server_bin)"
  LEPTOS_SITE_ADDR="127.0.0.1:$(app_port "$n")" METRICS_ADDR="127.0.0.1:$(metrics_port "$n")" \
    "$server" serve >>"$CLUSTER_DIR/app$n.log" 2>&1 &
  INSTANCE_PID[$n]=$!
  CLUSTER_PIDS+=($!)
  echo $! >"$CLUSTER_DIR/app$n.pid"
}

# wait_instance N: until its /readyz answers (directly, not through HAProxy).
wait_instance() {
  local n=$1 port; port=$(app_port "$n")
  for _ in $(seq 1 240); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && return 0
    kill -0 "${INSTANCE_PID[$n]}" 2>/dev/null || { tail -n 30 "$CLUSTER_DIR/app$n.log"; die "instance $n exited during startup"; }
    sleep 0.25
  done
  tail -n 30 "$CLUSTER_DIR/app$n.log"; die "instance $n did not become ready"
}

cluster_haproxy() {
  local cfg="$CLUSTER_DIR/haproxy.cfg" servers="" n
  for n in 1 2; do servers+="    server app$n 127.0.0.1:$(app_port "$n") check"$'\n'; done
  cat >"$cfg" <<EOF
# Generated by scripts/cluster-lib.sh.
global
    maxconn 2000
    log stdout format raw local0 info
    ssl-default-bind-options ssl-min-ver TLSv1.2

defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 65s
    timeout http-request 10s
    # Longer than the instances' own REQUEST_TIMEOUT_SECONDS (30); live streams send a
    # keep-alive comment every 15 s.
    timeout server 35s
    # A request that never reached an instance (refused connection) is tried again, on the
    # other instance (redispatch on every retry).
    retries 3
    option redispatch 1

frontend https
    bind 127.0.0.1:$CLUSTER_HTTPS_PORT ssl crt $CLUSTER_DIR/tls/haproxy.pem alpn http/1.1
    # The client cannot choose its address: HAProxy's own X-Forwarded-For is the only one.
    http-request del-header X-Forwarded-For
    http-request set-header X-Forwarded-Proto https
    option forwardfor
    default_backend app

backend app
    balance roundrobin
    # Out of rotation within a second of /readyz failing (an instance drains for
    # SHUTDOWN_DRAIN_SECONDS=$CLUSTER_DRAIN_SECONDS before it closes its listener).
    option httpchk GET /readyz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
    # One request per server connection: no request is ever written to a connection the
    # instance is closing.
    option http-server-close
    # Layer-7 retries (the response was lost) only for idempotent requests; a refused
    # connection is retried whatever the method, since the request never left HAProxy.
    retry-on conn-failure empty-response junk-response response-timeout
    http-request disable-l7-retry if !{ method GET HEAD OPTIONS }
    # Which instance answered (the cluster test checks both served the journey).
    http-response set-header X-Served-By %s
$servers
EOF
  haproxy -c -q -f "$cfg" || die "haproxy refused $cfg"
  haproxy -db -f "$cfg" >"$CLUSTER_DIR/haproxy.log" 2>&1 &
  HAPROXY_PID=$!
  CLUSTER_PIDS+=($!)
  for _ in $(seq 1 80); do
    curl -fsS --cacert "$CLUSTER_DIR/tls/ca.pem" -o /dev/null "$(cluster_origin)/readyz" 2>/dev/null && return 0
    sleep 0.25
  done
  cat "$CLUSTER_DIR/haproxy.log"; die "HAProxy does not answer on $(cluster_origin)"
}

cluster_prometheus() {
  local data="$CLUSTER_DIR/prometheus" n targets=""
  rm -rf "$data"; mkdir -p "$data"
  for n in 1 2; do
    targets+="      - targets: ['127.0.0.1:$(metrics_port "$n")']"$'\n'"        labels: { server: app$n }"$'\n'
  done
  cat >"$CLUSTER_DIR/prometheus.yml" <<EOF
# Generated by scripts/cluster-lib.sh.
global:
  scrape_interval: $CLUSTER_SCRAPE_INTERVAL
scrape_configs:
  - job_name: estacionate
    static_configs:
$targets
EOF
  prometheus --config.file="$CLUSTER_DIR/prometheus.yml" --storage.tsdb.path="$data" \
    --web.listen-address="127.0.0.1:$CLUSTER_PROMETHEUS_PORT" >"$CLUSTER_DIR/prometheus.log" 2>&1 &
  PROMETHEUS_PID=$!
  CLUSTER_PIDS+=($!)
  for _ in $(seq 1 80); do
    curl -fsS -o /dev/null "http://127.0.0.1:$CLUSTER_PROMETHEUS_PORT/-/ready" 2>/dev/null && return 0
    sleep 0.25
  done
  tail -n 20 "$CLUSTER_DIR/prometheus.log"; die "Prometheus did not start"
}

# Stops everything this shell started (SIGTERM, then waits; instances drain first).
cluster_stop_all() {
  local pid
  for pid in "${CLUSTER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${CLUSTER_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  CLUSTER_PIDS=()
}

# Everything up to two ready instances behind HAProxy and Prometheus scraping them.
cluster_up() {
  mkdir -p "$CLUSTER_DIR"
  cluster_ensure_packages
  eval "$(scripts/ensure-db.sh)"
  eval "$(scripts/ensure-redis.sh)"
  cluster_tls
  cluster_keys
  cluster_env
  cluster_database
  : >"$CLUSTER_DIR/app1.log"; : >"$CLUSTER_DIR/app2.log"
  start_instance 1
  start_instance 2
  wait_instance 1
  wait_instance 2
  cluster_haproxy
  cluster_prometheus
}

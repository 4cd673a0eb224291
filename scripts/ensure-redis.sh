#!/usr/bin/env bash
# Finds a Redis server and prints `export REDIS_TEST_URL=...`: 127.0.0.1:6379 when it answers,
# else a private server on port 56379 (installing redis-server with apt-get when absent and root).
# Usage: eval "$(scripts/ensure-redis.sh)"
source "$(dirname "$0")/lib.sh"

if ! command -v redis-cli >/dev/null || ! command -v redis-server >/dev/null; then
  apt_install redis-server >&2
fi
if redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
  echo "export REDIS_TEST_URL='redis://127.0.0.1:6379'"
  exit 0
fi
RDIR="$ROOT/target/redis"
mkdir -p "$RDIR"
if ! redis-cli -h 127.0.0.1 -p 56379 ping 2>/dev/null | grep -q PONG; then
  say "starting a private Redis on port 56379" >&2
  redis-server --port 56379 --bind 127.0.0.1 --daemonize yes --dir "$RDIR" --save '' \
    --appendonly no --pidfile "$RDIR/redis.pid" --logfile "$RDIR/redis.log" >/dev/null
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p 56379 ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
fi
redis-cli -h 127.0.0.1 -p 56379 ping 2>/dev/null | grep -q PONG || die "could not start Redis"
echo "export REDIS_TEST_URL='redis://127.0.0.1:56379'"

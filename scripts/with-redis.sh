#!/usr/bin/env bash
# Runs a command beside a throwaway Redis server on a loopback port (no persistence), then stops it.
# The command sees ESAFETY_TEST_REDIS_URL. Tests that need Redis (throttles shared by app servers) use it.
set -euo pipefail
server=$(command -v redis-server || true)
[ -n "$server" ] || { echo "redis-server not found (apt-get install redis-server)" >&2; exit 1; }
port=${ESAFETY_REDIS_PORT:-56379}
# Another run's Redis on that port would share its counters with this one: take the next free port instead.
for _ in $(seq 1 20); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
  port=$((port + 1))
done
dir=$(mktemp -d /tmp/esafety-redis.XXXXXX)
"$server" --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir "$dir" --daemonize no \
  --protected-mode yes --logfile "$dir/log" &
pid=$!
stop() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap stop EXIT
for _ in $(seq 1 100); do
  kill -0 "$pid" 2>/dev/null || { echo "redis-server did not start:" >&2; cat "$dir/log" >&2; exit 1; }
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.1
done
kill -0 "$pid" 2>/dev/null || { echo "redis-server did not start:" >&2; cat "$dir/log" >&2; exit 1; }
echo "Redis $("$server" --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$port"
export ESAFETY_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
"$@"

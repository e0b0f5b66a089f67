#!/usr/bin/env bash
# Make sure a Redis server answers on 127.0.0.1 (port REDIS_PORT, default 6379), installing
# Debian's redis-server and starting it on loopback if none runs. Prints the MINQING_REDIS_URL
# to use on its last line (redis://127.0.0.1:PORT/0).
# The default install needs no Redis: only a cluster (MINQING_REDIS_URL) and the cluster test do.
set -euo pipefail
PORT=${REDIS_PORT:-6379}
URL="redis://127.0.0.1:$PORT/0"

answers() {
  if command -v redis-cli >/dev/null; then
    [ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" = PONG ]
  else  # no client installed: speak the protocol with bash's /dev/tcp
    exec 3<>"/dev/tcp/127.0.0.1/$PORT" 2>/dev/null || return 1
    printf 'PING\r\n' >&3
    local reply; read -r -t 2 reply <&3 || reply=""
    exec 3>&- 3<&-
    [ "${reply%$'\r'}" = "+PONG" ]
  fi
}

if ! answers; then
  if ! command -v redis-server >/dev/null; then
    echo "installing Redis from Debian's packages…" >&2
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >&2
  fi
  dir=${XDG_STATE_HOME:-$HOME/.local/state}/minqing/redis-$PORT
  mkdir -p "$dir"
  # loopback only, no persistence needed beyond the queue's own (append-only file in $dir)
  redis-server --bind 127.0.0.1 --port "$PORT" --dir "$dir" --appendonly yes --daemonize yes \
    --logfile "$dir/redis.log" >&2
  for _ in $(seq 1 50); do answers && break; sleep 0.2; done
  answers || { echo "error: Redis did not start on 127.0.0.1:$PORT (see $dir/redis.log)" >&2; exit 1; }
fi
echo "$URL"

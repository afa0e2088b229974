#!/usr/bin/env bash
# Starts the real servers the scale-out tests use: redis-server and PostgreSQL on loopback, in a temp dir, on fixed
# ports. Idempotent and safe to run concurrently (flock): installs what is missing (Debian, root or sudo), starts
# what is not answering, then writes the URLs to $TEST_SERVICES_DIR/env for the tests to read.
# Stop them with scripts/stop-test-services.sh.
set -euo pipefail

DIR="${TEST_SERVICES_DIR:-/tmp/bot-test-services}"
REDIS_PORT="${TEST_REDIS_PORT:-16379}"
PG_PORT="${TEST_PG_PORT:-15432}"
PG_USER_OS="${TEST_PG_OS_USER:-postgres}"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

mkdir -p "$DIR"
chmod 755 "$DIR"
exec 9>"$DIR/lock"
flock -w 120 9

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
[ -n "$(pg_bin)" ] || missing+=(postgresql)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
PG_BIN="$(pg_bin)"

# PostgreSQL refuses to run as root: run it as an unprivileged user that owns its data dir.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$PG_USER_OS" -- "$@"; else "$@"; fi
}

if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  mkdir -p "$DIR/redis"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --dir "$DIR/redis" \
    --pidfile "$DIR/redis/redis.pid" --logfile "$DIR/redis/redis.log" --save "" --appendonly no >&2 9>&-
  for _ in $(seq 1 100); do
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null || { echo "redis-server did not start" >&2; exit 1; }
fi

if ! "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
  PGDATA="$DIR/pg/data"
  mkdir -p "$DIR/pg"
  [ "$(id -u)" -eq 0 ] && chown -R "$PG_USER_OS" "$DIR/pg"
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    as_pg "$PG_BIN/initdb" -D "$PGDATA" -U bot --auth=trust --encoding=UTF8 --no-sync >/dev/null
  fi
  as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$DIR/pg/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories='$DIR/pg' -c fsync=off" start >&2 9>&-
  "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U bot -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='bot'" \
    | grep -q 1 || "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U bot bot
fi

cat >"$DIR/env.tmp" <<ENV
TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT
TEST_DATABASE_URL_PG=postgres://bot@127.0.0.1:$PG_PORT/bot
ENV
mv "$DIR/env.tmp" "$DIR/env"
cat "$DIR/env"

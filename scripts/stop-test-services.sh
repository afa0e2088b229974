#!/usr/bin/env bash
# Stops what scripts/start-test-services.sh started and removes its temp dir.
set -uo pipefail

DIR="${TEST_SERVICES_DIR:-/tmp/bot-test-services}"
REDIS_PORT="${TEST_REDIS_PORT:-16379}"
PG_USER_OS="${TEST_PG_OS_USER:-postgres}"
[ -d "$DIR" ] || exit 0

redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -n "$PG_BIN" ] && [ -s "$DIR/pg/data/PG_VERSION" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$PG_USER_OS" -- "$PG_BIN/pg_ctl" -D "$DIR/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  else
    "$PG_BIN/pg_ctl" -D "$DIR/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
fi
rm -rf "$DIR"

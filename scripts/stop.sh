#!/usr/bin/env bash
# Stops the private PostgreSQL and Redis servers started by scripts/provision.sh.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="$ROOT/.sundial"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
if [ -s "$STATE/pg/data/PG_VERSION" ] && [ -n "$PG_BIN" ]; then
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$STATE/pg/data" -m fast stop >/dev/null 2>&1
  else "$PG_BIN/pg_ctl" -D "$STATE/pg/data" -m fast stop >/dev/null 2>&1; fi && echo "[stop] PostgreSQL stopped"
fi
for dir in "$STATE/redis" "$STATE/redis-test"; do
  if [ -s "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null; then
    echo "[stop] Redis ($(basename "$dir")) stopped"
    rm -f "$dir/redis.pid"
  fi
done
exit 0

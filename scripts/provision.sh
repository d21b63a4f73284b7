#!/usr/bin/env bash
# Provision everything Sundial needs on this machine, idempotently:
#   1. Debian packages (apt-get only when something is missing),
#   2. a private PostgreSQL cluster and Redis servers on loopback under .sundial/,
#   3. .sundial/env (run) or .sundial/test-env (test) with the connection variables.
# Usage: scripts/provision.sh run|test|deps   (deps: only the Debian packages)
set -euo pipefail

MODE="${1:-run}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="$ROOT/.sundial"
PG_PORT="${SUNDIAL_PG_PORT:-55432}"
REDIS_PORT_RUN="${SUNDIAL_REDIS_PORT:-56379}"
REDIS_PORT_TEST="${SUNDIAL_TEST_REDIS_PORT:-56380}"

say() { printf '[provision] %s\n' "$*"; }
die() { printf '[provision] error: %s\n' "$*" >&2; exit 1; }

# --- 1. Debian packages ------------------------------------------------------
PACKAGES=(libpq-dev libhiredis-dev libcurl4-openssl-dev redis-server postgresql pkg-config)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  [ "$(id -u)" = 0 ] || die "missing packages ${missing[*]}; run as root or install them"
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's postinst may start a system-wide redis/postgres; Sundial uses its own.
  service redis-server stop >/dev/null 2>&1 || true
  service postgresql stop >/dev/null 2>&1 || true
fi

[ "$MODE" = deps ] && exit 0

PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$PG_BIN/initdb" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql"
mkdir -p "$STATE"

# --- 2a. PostgreSQL ------------------------------------------------------------
PGDATA="$STATE/pg/data"
PGSOCK="$STATE/pg/socket"
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then
  # The postgres user must be able to reach .sundial/pg: add the traverse bit where missing.
  d="$STATE"
  while [ "$d" != "/" ]; do
    runuser -u postgres -- test -x "$d" 2>/dev/null || chmod o+x "$d"
    d="$(dirname "$d")"
  done
fi
mkdir -p "$STATE/pg" "$PGSOCK"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$STATE/pg" "$PGSOCK"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  say "initialising PostgreSQL cluster in $PGDATA"
  as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
if ! as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
  say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  FSYNC=on; [ "$MODE" = test ] && FSYNC=off
  as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$STATE/pg/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PGSOCK -c fsync=$FSYNC -c synchronous_commit=off -c max_connections=300" \
    start >/dev/null || { tail -20 "$STATE/pg/postgres.log" >&2; die "PostgreSQL did not start"; }
fi
psql_admin() { PGOPTIONS='-c client_min_messages=warning' "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
for i in $(seq 1 50); do psql_admin -c 'select 1' >/dev/null 2>&1 && break; sleep 0.2; done
psql_admin -c 'select 1' >/dev/null || die "PostgreSQL on port $PG_PORT does not answer"
[ "$(psql_admin -c "select count(*) from pg_roles where rolname='sundial'")" = 1 ] || psql_admin -c "create role sundial login superuser"
[ "$(psql_admin -c "select count(*) from pg_database where datname='sundial'")" = 1 ] || psql_admin -c "create database sundial owner sundial"
if [ "$MODE" = test ]; then
  # Every test run starts from an empty database (migrations applied by the tests themselves).
  psql_admin -c "drop database if exists sundial_test with (force)"
  psql_admin -c "create database sundial_test owner sundial"
fi

# --- 2b. Redis -------------------------------------------------------------------
start_redis() { # port dir
  local port="$1" dir="$2"
  mkdir -p "$dir"
  if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then return; fi
  say "starting Redis on 127.0.0.1:$port"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  for i in $(seq 1 50); do redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG && return; sleep 0.1; done
  die "Redis on port $port did not start (see $dir/redis.log)"
}

if [ "$MODE" = test ]; then
  start_redis "$REDIS_PORT_TEST" "$STATE/redis-test"
  cat > "$STATE/test-env" <<ENV
export SUNDIAL_TEST_DATABASE_URL=postgres://sundial@127.0.0.1:$PG_PORT/sundial_test
export SUNDIAL_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT_TEST/0
export SUNDIAL_TEST_PG_BIN=$PG_BIN
ENV
  say "test services ready (Postgres :$PG_PORT db sundial_test, Redis :$REDIS_PORT_TEST)"
else
  start_redis "$REDIS_PORT_RUN" "$STATE/redis"
  if [ -n "${SUNDIAL_ADMIN_PASSWORD:-}" ]; then
    ADMIN_PW="$SUNDIAL_ADMIN_PASSWORD"
  else
    [ -s "$STATE/admin-password" ] || { head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$STATE/admin-password"; chmod 600 "$STATE/admin-password"; }
    ADMIN_PW="$(cat "$STATE/admin-password")"
  fi
  [ -s "$STATE/jwt-secret" ] || { head -c 32 /dev/urandom | base64 > "$STATE/jwt-secret"; chmod 600 "$STATE/jwt-secret"; }
  cat > "$STATE/env" <<ENV
export SUNDIAL_DATABASE_URL=postgres://sundial@127.0.0.1:$PG_PORT/sundial
export SUNDIAL_REDIS_URL=redis://127.0.0.1:$REDIS_PORT_RUN/0
export SUNDIAL_AGENT_URL_TEMPLATE=http://127.0.0.1:9000/agents/{name}
export SUNDIAL_ADMIN_USERNAME=admin
export SUNDIAL_ADMIN_PASSWORD='$ADMIN_PW'
export SUNDIAL_JWT_SECRET='$(cat "$STATE/jwt-secret")'
ENV
  chmod 600 "$STATE/env"
  say "run services ready (Postgres :$PG_PORT db sundial, Redis :$REDIS_PORT_RUN); variables in .sundial/env"
fi

# Shared by scripts/bench-api.sh and scripts/bench-scheduler.sh (sourced, not run).
# Provides: deps + release build, a private database (sundial_bench) and Redis, services
# started in the background with their logs under .sundial/bench/, and a cleanup trap that
# stops everything this script started and drops the database.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PG_PORT="${SUNDIAL_PG_PORT:-55432}"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
BENCH_DB="${SUNDIAL_BENCH_DB:-sundial_bench}"
BENCH_STATE="$ROOT/.sundial/bench"
DB_URL="postgres://sundial@127.0.0.1:$PG_PORT/$BENCH_DB"
ADMIN_PW="bench-admin-password"
BENCH_PIDS=()
BENCH_REDIS_PORT=""

say() { printf '[bench] %s\n' "$*"; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }
psql_admin() { PGOPTIONS='-c client_min_messages=warning' "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
psql_bench() { PGOPTIONS='-c client_min_messages=warning' "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U sundial -d "$BENCH_DB" -v ON_ERROR_STOP=1 -qAt "$@"; }

bench_deps() { # installs missing Debian packages (wrk too), starts Postgres if it is down
  bash scripts/provision.sh deps
  if ! command -v wrk >/dev/null; then
    [ "$(id -u)" = 0 ] || die "wrk is missing; run as root or apt-get install wrk"
    say "installing wrk"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk >/dev/null; }
  fi
  psql_admin -c 'select 1' >/dev/null 2>&1 || bash scripts/provision.sh run
  psql_admin -c 'select 1' >/dev/null || die "PostgreSQL on 127.0.0.1:$PG_PORT does not answer"
}

bench_build() { # release build of the whole package; sets BIN
  say "building (swift build -c release)…"
  mkdir -p "$BENCH_STATE"
  swift build -c release ${SUNDIAL_BENCH_SCRATCH:+--scratch-path "$SUNDIAL_BENCH_SCRATCH"} >"$BENCH_STATE/build.log" 2>&1 || { tail -30 "$BENCH_STATE/build.log" >&2; die "swift build -c release failed"; }
  BIN="$(swift build -c release ${SUNDIAL_BENCH_SCRATCH:+--scratch-path "$SUNDIAL_BENCH_SCRATCH"} --show-bin-path)"
}

bench_db() { # a fresh, empty sundial_bench (the services migrate it at start)
  psql_admin -c "drop database if exists $BENCH_DB with (force)"
  psql_admin -c "create database $BENCH_DB owner sundial"
}

bench_redis() { # port
  BENCH_REDIS_PORT="$1"
  mkdir -p "$BENCH_STATE/redis-$1"
  redis-cli -h 127.0.0.1 -p "$1" shutdown nosave >/dev/null 2>&1 || true
  redis-server --port "$1" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --dir "$BENCH_STATE/redis-$1" --pidfile "$BENCH_STATE/redis-$1/redis.pid" --logfile "$BENCH_STATE/redis-$1/redis.log"
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG && return; sleep 0.1; done
  die "Redis on port $1 did not start"
}

bench_env() { # the variables every service gets
  export SUNDIAL_DATABASE_URL="$DB_URL" SUNDIAL_REDIS_URL="redis://127.0.0.1:$BENCH_REDIS_PORT/0"
  export SUNDIAL_ADMIN_USERNAME=admin SUNDIAL_ADMIN_PASSWORD="$ADMIN_PW" SUNDIAL_JWT_SECRET="bench-jwt-secret-0123456789abcdef"
  export SUNDIAL_HTTP_HOST=127.0.0.1
}

bench_start() { # name env-assignments… -- command…   (log in $BENCH_STATE/name.log; pid in PID_<name>)
  local name="$1"; shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  env "${envs[@]}" "$@" >"$BENCH_STATE/$name.log" 2>&1 &
  BENCH_PIDS+=("$!")
  printf -v "PID_${name//-/_}" '%s' "$!"
}

bench_stop_pid() { # pid: TERM, then KILL after 10 s
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

bench_wait_http() { # url seconds
  for _ in $(seq 1 $(($2 * 10))); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  die "$1 did not answer within $2 s"
}

bench_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${BENCH_PIDS[@]}"; do bench_stop_pid "$pid"; done
  [ -n "$BENCH_REDIS_PORT" ] && redis-cli -h 127.0.0.1 -p "$BENCH_REDIS_PORT" shutdown nosave >/dev/null 2>&1
  [ -n "${BENCH_KEEP_DB:-}" ] || psql_admin -c "drop database if exists $BENCH_DB with (force)" >/dev/null 2>&1
  say "stopped everything this benchmark started (logs in ${BENCH_STATE#$ROOT/})"
  exit "$rc"
}

bench_init() {
  mkdir -p "$BENCH_STATE"
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

#!/usr/bin/env bash
# make bench-scheduler: firing accuracy of sundial-scheduler (release build), two replicas, stub
# agent on loopback. Starts its own services on a private database (sundial_bench, dropped at the
# end) and Redis (56396): sundial-api :18080, replicas :18081 and :18082, sundial-agent-stub :19000.
#  1. N = 1,000 and 10,000 one-time schedules due at the same minute boundary (inserted with one
#     SQL INSERT; the NOTIFY trigger brings them to both replicas): lateness p50/p99/max (agent
#     receipt - scheduled time), executed, duplicates (rows per occurrence, stub duplicate ids), missed.
#     Targets: N=1,000 p99 < 250 ms, N=10,000 p99 < 1 s, 0 duplicates, 0 missed.
#  2. pickup: schedules created through the API 2 s before they are due. Target < 1 s.
#  3. 100,000 enabled cron schedules: a fresh replica's first full sync, and its RSS. Targets < 1 s, < 300 MB.
# Bounded: about 5 minutes after the build (each round waits at most 10 min for stragglers).
# Knobs: BENCH_ROUNDS (default "1000 10000"), BENCH_LOAD (default 100000), BENCH_STUB_DELAY_MS (5),
# BENCH_AGENTS (10: a round of N uses ceil(N / 1000) agents with max_concurrency 1000 each).
set -euo pipefail
source "$(dirname "$0")/bench/lib.sh"
API="http://127.0.0.1:18080"
STUB="http://127.0.0.1:19000"
AGENT_PREFIX=bench-agent-
AGENTS="${BENCH_AGENTS:-10}"   # rounds use ceil(N / 1000) of them, 1,000 schedules per agent
AGENT="${AGENT_PREFIX}1"

bench_init
bench_deps
bench_build
bench_db
bench_redis 56396
bench_env
export SUNDIAL_AGENT_URL_TEMPLATE="$STUB/agents/{name}" SUNDIAL_LOG_FORMAT=json
say "starting sundial-api :18080, sundial-agent-stub :19000 (database $BENCH_DB, Redis :$BENCH_REDIS_PORT)"
bench_start stub SUNDIAL_STUB_PORT=19000 SUNDIAL_STUB_DELAY_MS="${BENCH_STUB_DELAY_MS:-5}" SUNDIAL_STUB_MAX_CONCURRENCY=100000 -- "$BIN/sundial-agent-stub"
bench_start api SUNDIAL_HTTP_PORT=18080 -- "$BIN/sundial-api"
bench_wait_http "$API/ready" 60
bench_wait_http "$STUB/health" 30
start_replica() { # name port [log level]
  bench_start "$1" SUNDIAL_HTTP_PORT="$2" SUNDIAL_WORKER_ID="bench-$1" SUNDIAL_LOG_LEVEL="${3:-info}" -- "$BIN/sundial-scheduler"
}
say "starting two scheduler replicas :18081 :18082"
start_replica sched-a 18081
start_replica sched-b 18082
bench_wait_http "http://127.0.0.1:18081/ready" 60
bench_wait_http "http://127.0.0.1:18082/ready" 60

TOKEN="$(curl -fsS -X POST "$API/token" -d username=admin -d "password=$ADMIN_PW" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
for i in $(seq 1 "$AGENTS"); do
  curl -fsS -o /dev/null -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
    -X POST "$API/api/agents" -d "{\"name\":\"$AGENT_PREFIX$i\",\"max_concurrency\":1000}" || die "could not create agent $AGENT_PREFIX$i"
done

export BENCH_PSQL="$PG_BIN/psql -h 127.0.0.1 -p $PG_PORT -U sundial -d $BENCH_DB -v ON_ERROR_STOP=1 -qAt"
export BENCH_API="$API" BENCH_TOKEN="$TOKEN" BENCH_AGENT="$AGENT" BENCH_AGENT_PREFIX="$AGENT_PREFIX" BENCH_AGENTS="$AGENTS" BENCH_STUB="$STUB"
export BENCH_STUB_LOG="$BENCH_STATE/stub.log" BENCH_RESULTS="$BENCH_STATE/scheduler-results.json"
export BENCH_SCHED_PIDS="$PID_sched_a $PID_sched_b" BENCH_STATUS="http://127.0.0.1:18081/status,http://127.0.0.1:18082/status"
rm -f "$BENCH_RESULTS"
# shellcheck disable=SC2086
python3 scripts/bench/scheduler.py rounds ${BENCH_ROUNDS:-1000 10000}

say "stopping the replicas; seeding ${BENCH_LOAD:-100000} cron schedules"
bench_stop_pid "$PID_sched_a"
bench_stop_pid "$PID_sched_b"
python3 scripts/bench/scheduler.py seed "${BENCH_LOAD:-100000}"
say "starting a fresh replica on them"
T0="$(date +%s.%N)"
start_replica sched-c 18083 debug  # debug: the "loaded enabled schedules" line times the SQL
BENCH_SCHED_LOG="$BENCH_STATE/sched-c.log" python3 scripts/bench/scheduler.py resync "$T0" "$PID_sched_c"

python3 scripts/bench/scheduler.py report

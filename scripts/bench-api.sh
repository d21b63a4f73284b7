#!/usr/bin/env bash
# make bench-api: REST throughput and latency of sundial-api (release build) with wrk on loopback.
# Starts its own sundial-api (port 18080) on a private database (sundial_bench, dropped at the
# end) and Redis (56395), creates an agent with 100 schedules, then measures
#   GET  /api/agents/{name}/schedules/{id}   target >= 5,000 req/s, p99 < 20 ms
#   GET  /api/agents/{name}/schedules        (100 schedules; no target, reported)
#   POST /api/agents/{name}/schedules        target >= 1,000 req/s (each request creates one)
# and 0 errors (non-2xx answers and socket errors) everywhere. Bounded: about 1.5 min after the build.
# Knobs: BENCH_DURATION (s, default 15), BENCH_CONNECTIONS (default 32), BENCH_THREADS (default 2).
set -euo pipefail
source "$(dirname "$0")/bench/lib.sh"
API_PORT=18080
DURATION="${BENCH_DURATION:-15}"
CONNS="${BENCH_CONNECTIONS:-32}"
THREADS="${BENCH_THREADS:-2}"
API="http://127.0.0.1:$API_PORT"
AGENT=bench-agent

bench_init
bench_deps
bench_build
bench_db
bench_redis 56395
bench_env
say "starting sundial-api on :$API_PORT (database $BENCH_DB, Redis :$BENCH_REDIS_PORT)"
bench_start api SUNDIAL_HTTP_PORT=$API_PORT SUNDIAL_AGENT_URL_TEMPLATE="http://127.0.0.1:19000/agents/{name}" -- "$BIN/sundial-api"
bench_wait_http "$API/ready" 60

TOKEN="$(curl -fsS -X POST "$API/token" -d username=admin -d "password=$ADMIN_PW" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
[ -n "$TOKEN" ] || die "could not log in"
AUTH=(-H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json")
curl -fsS -o /dev/null "${AUTH[@]}" -X POST "$API/api/agents" -d "{\"name\":\"$AGENT\",\"max_concurrency\":1000}" || die "could not create the agent"
say "creating 100 schedules"
SCHEDULE_ID=""
for i in $(seq 1 100); do
  id="$(curl -fsS "${AUTH[@]}" -X POST "$API/api/agents/$AGENT/schedules" \
    -d "{\"name\":\"bench $i\",\"message\":\"summarise the market, run $i\",\"cron_expression\":\"$((i % 60)) 9 * * 1-5\",\"timezone\":\"Europe/Berlin\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')" || die "could not create schedule $i"
  [ "$i" = 50 ] && SCHEDULE_ID="$id"
done
count="$(curl -fsS "${AUTH[@]}" "$API/api/agents/$AGENT/schedules" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
[ "$count" = 100 ] || die "expected 100 schedules, the list has $count"

RESULTS=()
run_wrk() { # label method url
  local label="$1" method="$2" url="$3" line
  export BENCH_TOKEN="$TOKEN" BENCH_METHOD="$method"
  export BENCH_BODY='{"name":"wrk","message":"check the inbox","cron_expression":"*/15 * * * *","timezone":"UTC"}'
  wrk -t"$THREADS" -c"$CONNS" -d3s -s scripts/bench/wrk.lua "$url" >/dev/null  # warm-up
  say "wrk $label: ${DURATION}s, $THREADS threads, $CONNS connections"
  line="$(wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s scripts/bench/wrk.lua "$url" | tee "$BENCH_STATE/wrk-${label// /_}.txt" | grep '^BENCH ')"
  RESULTS+=("$label|$line")
}
run_wrk "GET one" GET "$API/api/agents/$AGENT/schedules/$SCHEDULE_ID"
run_wrk "GET list (100)" GET "$API/api/agents/$AGENT/schedules"
before="$(psql_bench -c 'select count(*) from schedules')"
run_wrk "POST create" POST "$API/api/agents/$AGENT/schedules"
after="$(psql_bench -c 'select count(*) from schedules')"

# Table: figures and targets.
python3 - "$before" "$after" "${RESULTS[@]}" <<'PY'
import sys
before, after, rows = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
targets = {"GET one": (5000, 20.0), "GET list (100)": (None, None), "POST create": (1000, None)}
print()
print(f"{'endpoint':<16} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'non-2xx':>8} {'sock err':>8}  targets")
all_ok = True
for row in rows:
    label, line = row.split("|", 1)
    f = dict(kv.split("=") for kv in line.split()[1:])
    req, dur = int(f["requests"]), int(f["duration_us"]) / 1e6
    rps, p50, p99, mx = req / dur, int(f["p50_us"]) / 1000, int(f["p99_us"]) / 1000, int(f["max_us"]) / 1000
    errs = int(f["non2xx"]) + int(f["socket"])
    min_rps, max_p99 = targets[label]
    checks = [("0 errors", errs == 0)]
    if min_rps: checks.append((f">= {min_rps:,} req/s", rps >= min_rps))
    if max_p99: checks.append((f"p99 < {max_p99:g} ms", p99 < max_p99))
    all_ok &= all(ok for _, ok in checks)
    verdict = ", ".join(f"{name} {'MET' if ok else 'MISSED'}" for name, ok in checks)
    print(f"{label:<16} {req:>9} {rps:>9.0f} {p50:>8.2f} {p99:>8.2f} {mx:>8.1f} {f['non2xx']:>8} {f['socket']:>8}  {verdict}")
print(f"\nschedules created by the POST runs (3 s warm-up + measured run): {after - before}")
print("ALL TARGETS MET" if all_ok else "SOME TARGETS MISSED")
PY

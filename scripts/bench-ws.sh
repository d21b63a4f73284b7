#!/usr/bin/env bash
# make bench-ws: the WebSocket event relay of sundial-api (release build) on loopback.
# Starts its own sundial-api (port 18090) on a private database (sundial_bench, dropped at the
# end) and Redis (56397), connects 1,000 listeners to /ws/events, writes 500 events/s for 30 s
# the way the scheduler's EventLog does (INSERT into events, then PUBLISH on scheduler:events),
# and reports latency from PUBLISH to receipt (p50/p99), events lost and duplicated (summed over
# listeners), and the API's RSS. Two runs: steady, then one with a Redis restart (SIGTERM-less
# `shutdown nosave` 10 s in, back 2 s later). Targets: p99 < 50 ms and 0 lost (steady); 0 lost
# (Redis restart). Bounded: about 2 min after the build.
# Knobs: BENCH_LISTENERS (1000), BENCH_RATE (500), BENCH_DURATION (30), BENCH_API_PORT (18090),
# BENCH_REDIS_PORT (56397), BENCH_BUILD (release; debug for a quick smoke run).
set -euo pipefail
source "$(dirname "$0")/bench/lib.sh"
API_PORT="${BENCH_API_PORT:-18090}"
REDIS_PORT="${BENCH_REDIS_PORT:-56397}"
LISTENERS="${BENCH_LISTENERS:-1000}"
RATE="${BENCH_RATE:-500}"
DURATION="${BENCH_DURATION:-30}"
CONFIG="${BENCH_BUILD:-release}"
API="http://127.0.0.1:$API_PORT"

bench_init
bench_deps
say "building (swift build -c $CONFIG)…"
swift build -c "$CONFIG" ${SUNDIAL_BENCH_SCRATCH:+--scratch-path "$SUNDIAL_BENCH_SCRATCH"} >"$BENCH_STATE/build.log" 2>&1 || { tail -30 "$BENCH_STATE/build.log" >&2; die "swift build -c $CONFIG failed"; }
BIN="$(swift build -c "$CONFIG" ${SUNDIAL_BENCH_SCRATCH:+--scratch-path "$SUNDIAL_BENCH_SCRATCH"} --show-bin-path)"
bench_db
bench_redis "$REDIS_PORT"
bench_env
# A listener may fall behind during the Redis restart catch-up; give it room rather than drop it.
say "starting sundial-api on :$API_PORT (database $BENCH_DB, Redis :$BENCH_REDIS_PORT)"
bench_start api SUNDIAL_HTTP_PORT=$API_PORT SUNDIAL_LOG_LEVEL=warning SUNDIAL_WS_QUEUE_SIZE=5000 \
  SUNDIAL_AGENT_URL_TEMPLATE="http://127.0.0.1:19000/agents/{name}" -- "$BIN/sundial-api"
bench_wait_http "$API/ready" 60
ulimit -n 65536 2>/dev/null || ulimit -n 8192 2>/dev/null || true

TOKEN="$(curl -fsS -X POST "$API/token" -d username=admin -d "password=$ADMIN_PW" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
[ -n "$TOKEN" ] || die "could not log in"

run_bench() { # label
  "$BIN/sundial-bench-ws" --api "$API" --token "$TOKEN" --database-url "$DB_URL" --redis-url "redis://127.0.0.1:$REDIS_PORT/0" \
    --listeners "$LISTENERS" --rate "$RATE" --duration "$DURATION" --api-pid "$PID_api" --label "$1" | tee "$BENCH_STATE/ws-$1.txt"
}

run_bench steady
( sleep $((DURATION / 3 + 3))
  say "restarting Redis (shutdown nosave, back 2 s later)"
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  sleep 2
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --dir "$BENCH_STATE/redis-$REDIS_PORT" --pidfile "$BENCH_STATE/redis-$REDIS_PORT/redis.pid" --logfile "$BENCH_STATE/redis-$REDIS_PORT/redis.log"
) &
RESTARTER=$!
run_bench redis-restart
wait "$RESTARTER" || true

python3 - "$BENCH_STATE/ws-steady.txt" "$BENCH_STATE/ws-redis-restart.txt" <<'PY'
import sys
rows = []
for path in sys.argv[1:]:
    line = next(l for l in open(path) if l.startswith("BENCH "))
    rows.append(dict(kv.split("=", 1) for kv in line.split()[1:]))
print()
print(f"{'run':<14} {'listeners':>9} {'ev/s':>5} {'published':>9} {'delivered':>10} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>8} {'lost':>5} {'dup':>4} {'dropped':>7} {'RSS MB':>7}  targets")
ok = True
for r in rows:
    lost, dup, p99 = int(r["lost"]), int(r["duplicates"]), float(r["p99_ms"])
    checks = [("0 lost", lost == 0 and dup == 0)]
    if r["label"] == "steady": checks.append(("p99 < 50 ms", p99 < 50))
    ok &= all(c for _, c in checks)
    verdict = ", ".join(f"{n} {'MET' if c else 'MISSED'}" for n, c in checks)
    print(f"{r['label']:<14} {r['listeners']:>9} {r['rate']:>5} {r['published']:>9} {r['delivered']:>10} {float(r['p50_ms']):>7.2f} {p99:>7.2f} {float(r['max_ms']):>8.1f} {lost:>5} {dup:>4} {r['dropped_listeners']:>7} {float(r['api_rss_mb']):>7.1f}  {verdict}")
print("\n(latency: PUBLISH to receipt; in the restart run, events written while Redis was down count from their failed PUBLISH)")
print("ALL TARGETS MET" if ok else "SOME TARGETS MISSED")
PY

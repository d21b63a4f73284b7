#!/usr/bin/env bash
# Builds and runs sundial-agent-stub, sundial-api and sundial-scheduler together with
# prefixed log lines. Ctrl-C (or SIGTERM) stops the three cleanly; Postgres and Redis
# keep running (`make stop` stops them). Expects scripts/provision.sh run to have run.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
# shellcheck disable=SC1091
source .sundial/env

echo "[run] building (swift build)…"
swift build
BIN="$(swift build --show-bin-path)"

pids=()
start() { # prefix command...
  local prefix="$1"; shift
  "$@" > >(sed -u "s/^/$prefix /") 2>&1 &
  pids+=("$!")
}
stop_all() {
  trap - INT TERM
  echo "[run] stopping services…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "[run] stopped (Postgres and Redis keep running; 'make stop' stops them)"
  exit 0
}
trap stop_all INT TERM

start "[agent]    " "$BIN/sundial-agent-stub"
start "[api]      " "$BIN/sundial-api"
start "[scheduler]" "$BIN/sundial-scheduler"

API="http://${SUNDIAL_HTTP_HOST:-127.0.0.1}:8080"
for _ in $(seq 1 100); do
  curl -fsS "$API/ready" >/dev/null 2>&1 && break
  sleep 0.2
done
cat <<INFO

[run] Sundial is up
[run]   API         $API        (/health /ready /metrics /openapi.json)
[run]   scheduler   http://127.0.0.1:8081   (/health /ready /metrics)
[run]   stub agent  http://127.0.0.1:9000   (POST /agents/{name}/api/task, GET /stats)
[run]   log in      user '$SUNDIAL_ADMIN_USERNAME', password in .sundial/admin-password (or \$SUNDIAL_ADMIN_PASSWORD)
[run]               curl -s -XPOST $API/token -d username=$SUNDIAL_ADMIN_USERNAME -d "password=\$(cat .sundial/admin-password)"
[run]   2nd replica source .sundial/env && SUNDIAL_HTTP_PORT=8082 $BIN/sundial-scheduler
[run]   Ctrl-C stops the services

INFO
# Any service exiting on its own ends the run (and stops the others).
wait -n "${pids[@]}" || true
echo "[run] a service exited; stopping the others"
stop_all

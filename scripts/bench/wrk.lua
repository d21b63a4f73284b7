-- wrk script for scripts/bench-api.sh: bearer token from BENCH_TOKEN; BENCH_METHOD=POST sends
-- BENCH_BODY as JSON (each POST creates a schedule). done() prints one machine-readable line.
wrk.method = os.getenv("BENCH_METHOD") or "GET"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or "")
if wrk.method == "POST" then
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = os.getenv("BENCH_BODY") or "{}"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d non2xx=%d socket=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end

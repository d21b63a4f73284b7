#!/usr/bin/env python3
"""Helper of scripts/bench-scheduler.sh (standard library only; SQL through psql).

  scheduler.py rounds N...     due-in-the-same-minute rounds, then the pickup test
  scheduler.py seed COUNT      COUNT enabled cron schedules, inserted with the NOTIFY trigger off
  scheduler.py resync T0 PID   start-up resync of the replica started at T0 (epoch s) with pid PID
  scheduler.py report          the table, from the results file
Environment: BENCH_PSQL (psql command line), BENCH_API, BENCH_TOKEN, BENCH_AGENT, BENCH_STUB,
BENCH_STUB_LOG, BENCH_SCHED_LOG, BENCH_STATUS (comma-separated /status URLs), BENCH_RESULTS.
"""
import datetime, json, math, os, shlex, subprocess, sys, time, urllib.request

E = os.environ
RESULTS = E.get("BENCH_RESULTS", "/tmp/sundial-bench-scheduler.json")


def sql(query):
    out = subprocess.run(shlex.split(E["BENCH_PSQL"]) + ["-F", "\t", "-c", query], check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def http(url, body=None):
    headers = {"Authorization": "Bearer " + E.get("BENCH_TOKEN", ""), "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body else None, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def pct(values, p):  # nearest rank
    if not values: return float("nan")
    values = sorted(values)
    return values[max(0, math.ceil(p / 100 * len(values)) - 1)]


def load(): return json.load(open(RESULTS)) if os.path.exists(RESULTS) else {}
def save(results): json.dump(results, open(RESULTS, "w"), indent=1)
def iso(epoch): return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
def parse_ts(text): return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def stub_receipts(offset):
    """execution_id -> receipt instant, from the stub's JSON log ("task completed" ts - duration_ms)."""
    receipts = {}
    with open(E["BENCH_STUB_LOG"], errors="replace") as log:
        log.seek(offset)
        for line in log:
            if '"task completed"' not in line: continue
            try: entry = json.loads(line)
            except ValueError: continue
            receipts[entry["execution_id"]] = parse_ts(entry["ts"]) - int(entry["duration_ms"]) / 1000
    return receipts


def loaded_by_all():
    return min(http(url)["schedules_loaded"] for url in E["BENCH_STATUS"].split(","))


def round_(n, owner):
    due = (math.floor(time.time() / 60) + 1) * 60
    if due - time.time() < 20 + n / 1000: due += 60  # time to insert and for NOTIFY to reach both replicas
    stub_offset = os.path.getsize(E["BENCH_STUB_LOG"])
    dup_before = len(http(E["BENCH_STUB"] + "/stats")["duplicate_execution_ids"])
    t = time.time()
    # Spread over agents of at most 1,000 schedules each (an agent's max_concurrency is at most
    # 1,000: beyond it runs wait for a free slot by design, which would measure the agent, not the scheduler).
    agents = max(1, min(int(E.get("BENCH_AGENTS", "1")), math.ceil(n / 1000)))
    sql(f"""INSERT INTO schedules (agent_name, owner, name, trigger, run_at, next_run_at, message)
            SELECT '{E["BENCH_AGENT_PREFIX"]}' || (1 + g % {agents}), '{owner}', 'r{n}-' || g, 'once', to_timestamp({due}), to_timestamp({due}), 'round {n} #' || g
            FROM generate_series(1, {n}) g""")
    inserted = time.time() - t
    loaded_at = None
    print(f"[bench] N={n}: inserted in {inserted:.2f} s; due at {iso(due)} ({due - time.time():.0f} s)", flush=True)
    while time.time() < due:
        if loaded_at is None and loaded_by_all() >= n: loaded_at = time.time()
        time.sleep(0.2)
    # Wait until every occurrence is recorded and finished, or 20 s without progress (bounded: 10 min).
    where = f"e.scheduled_for = to_timestamp({due}) AND s.name LIKE 'r{n}-%'"
    last, last_change = -1, time.time()
    while time.time() - last_change < 20 and time.time() - due < 600:
        done = int(sql(f"SELECT count(*) FROM executions e JOIN schedules s ON s.id = e.schedule_id WHERE {where} AND e.status <> 'running'")[0][0])
        if done != last: last, last_change = done, time.time()
        if done >= n: break
        time.sleep(0.5)
    rows = sql(f"""SELECT e.id, e.schedule_id, e.status, extract(epoch FROM e.started_at - e.scheduled_for), e.worker_id
                   FROM executions e JOIN schedules s ON s.id = e.schedule_id WHERE {where}""")
    per_schedule = {}
    for row in rows: per_schedule[row[1]] = per_schedule.get(row[1], 0) + 1
    executed = {r[1] for r in rows if r[2] in ("running", "success", "failed")}
    receipts = stub_receipts(stub_offset)
    receipt_late = [receipts[r[0]] - due for r in rows if r[0] in receipts]
    started_late = [float(r[3]) for r in rows if r[3]]
    workers = {}
    for r in rows: workers[r[4]] = workers.get(r[4], 0) + 1
    stats = http(E["BENCH_STUB"] + "/stats")
    return {
        "n": n, "executed": len(executed), "missed": n - len(executed), "rows": len(rows),
        "duplicate_rows": sum(c - 1 for c in per_schedule.values() if c > 1),
        "stub_duplicates": len(stats["duplicate_execution_ids"]) - dup_before, "received": len(receipt_late),
        "receipt": [pct(receipt_late, 50), pct(receipt_late, 99), max(receipt_late, default=float("nan"))],
        "started": [pct(started_late, 50), pct(started_late, 99), max(started_late, default=float("nan"))],
        "statuses": {s: sum(1 for r in rows if r[2] == s) for s in {r[2] for r in rows}}, "workers": workers,
        "agents": agents, "loaded_before_due_s": None if loaded_at is None else round(due - loaded_at, 1), "insert_s": round(inserted, 2),
    }


def idle(pids, seconds=5):
    """CPU per replica and database transactions per second while nothing is due."""
    ticks = lambda pid: sum(int(v) for v in open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[11:13])
    xacts = lambda: int(sql("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()")[0][0])
    time.sleep(3)
    before, x0, t0 = [ticks(p) for p in pids], xacts(), time.time()
    time.sleep(seconds)
    elapsed = time.time() - t0
    cpu = [(ticks(p) - b) / os.sysconf("SC_CLK_TCK") / elapsed * 100 for p, b in zip(pids, before)]
    return {"cpu_percent": [round(c) for c in cpu], "db_tps": round((xacts() - x0) / elapsed)}


def pickup(samples=5):
    out = []
    for i in range(samples):
        time.sleep(math.ceil(time.time()) - time.time())  # on a whole second
        due = math.floor(time.time()) + 2
        created = http(f'{E["BENCH_API"]}/api/agents/{E["BENCH_AGENT"]}/schedules',
                       {"name": f"pickup {i}", "message": "pickup", "run_at": iso(due)[:19] + "Z"})
        lead = due - time.time()
        for _ in range(100):
            row = sql(f"SELECT id, extract(epoch FROM started_at - scheduled_for) FROM executions WHERE schedule_id = '{created['id']}' AND started_at IS NOT NULL")
            if row: break
            time.sleep(0.1)
        time.sleep(0.3)
        receipts = stub_receipts(0)
        out.append({"lead_s": round(lead, 3), "started": float(row[0][1]) if row else None,
                    "receipt": (receipts[row[0][0]] - due) if row and row[0][0] in receipts else None})
    return out


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    results = load()
    if cmd == "rounds":
        results["idle"] = idle(E.get("BENCH_SCHED_PIDS", "").split())
        owner = sql("SELECT id FROM users WHERE username = 'admin'")[0][0]
        results["rounds"] = [round_(int(n), owner) for n in args]
        print("[bench] pickup: 5 schedules created through the API 2 s before they are due", flush=True)
        results["pickup"] = pickup()
    elif cmd == "seed":
        n = int(args[0])
        owner = sql("SELECT id FROM users WHERE username = 'admin'")[0][0]
        zones = "ARRAY['UTC','Europe/Berlin','America/New_York','Asia/Tokyo']"
        t = time.time()
        sql(f"""BEGIN; ALTER TABLE schedules DISABLE TRIGGER schedules_notify_change;
                INSERT INTO schedules (agent_name, owner, name, trigger, cron_expression, timezone, message, context)
                SELECT '{E["BENCH_AGENT"]}', '{owner}', 'load-' || g, 'cron', (g % 60) || ' ' || ((g / 60) % 24) || ' * * ' || (CASE WHEN g % 3 = 0 THEN '1-5' ELSE '*' END),
                       ({zones})[1 + g % 4], 'load schedule ' || g || ': summarise what changed since {{{{datetime}}}}', '{{"n": 1}}'
                FROM generate_series(1, {n}) g;
                ALTER TABLE schedules ENABLE TRIGGER schedules_notify_change; COMMIT;""")
        enabled = int(sql("SELECT count(*) FROM schedules WHERE enabled")[0][0])
        results["seed"] = {"inserted": n, "enabled": enabled, "seconds": round(time.time() - t, 1)}
        print(f"[bench] seeded {n} cron schedules in {time.time() - t:.1f} s ({enabled} enabled in all)", flush=True)
    elif cmd == "resync":
        t0, pid = float(args[0]), args[1]
        enabled = int(sql("SELECT count(*) FROM schedules WHERE enabled")[0][0])
        ready = synced = load_s = None
        deadline = time.time() + 180
        while synced is None and time.time() < deadline:
            for line in open(E["BENCH_SCHED_LOG"], errors="replace"):
                if '"database schema is up to date"' in line or '"migrations applied"' in line: ready = parse_ts(json.loads(line)["ts"])
                if '"schedules synced"' in line and int(json.loads(line)["loaded"]) >= enabled: synced = parse_ts(json.loads(line)["ts"])
                if '"loaded enabled schedules"' in line: load_s = float(json.loads(line)["elapsed"].split()[0])
            time.sleep(0.05)
        rss = lambda: {k: int(v.split()[0]) / 1024 for k, v in (l.split(":", 1) for l in open(f"/proc/{pid}/status")) if k in ("VmRSS", "VmHWM")}
        first = rss()
        time.sleep(5)
        results["resync"] = {"enabled": enabled, "start_to_synced": synced and synced - t0,
                             "schema_ready_to_synced": synced and ready and synced - ready, "load": load_s,
                             "rss_mb": first["VmRSS"], "rss_after_5s_mb": rss()["VmRSS"], "hwm_mb": rss()["VmHWM"]}
    elif cmd == "report":
        report(results)
    save(results)


def report(r):
    ms = lambda v: "n/a" if v is None or v != v else f"{v * 1000:.0f}"
    ok = lambda b: "MET" if b else "MISSED"
    lines = ["", f"{'N':>6} {'executed':>8} {'missed':>6} {'dup rows':>8} {'stub dup':>8}  {'receipt p50/p99/max ms':>24}  {'started_at p50/p99/max ms':>26}  target"]
    verdicts = []
    for x in r.get("rounds", []):
        limit = 0.25 if x["n"] <= 1000 else 1.0
        met = x["receipt"][1] < limit and x["missed"] == 0 and x["duplicate_rows"] == 0 and x["stub_duplicates"] == 0
        verdicts.append(met)
        lines.append(f"{x['n']:>6} {x['executed']:>8} {x['missed']:>6} {x['duplicate_rows']:>8} {x['stub_duplicates']:>8}  "
                     f"{'/'.join(ms(v) for v in x['receipt']):>24}  {'/'.join(ms(v) for v in x['started']):>26}  "
                     f"p99 < {limit * 1000:.0f} ms, 0 dup, 0 missed: {ok(met)}")
        lines.append(f"{'':>6} {x.get('agents', 1)} agent(s), replicas {x['workers']}, statuses {x['statuses']}, loaded by both {x['loaded_before_due_s']} s before due")
    if r.get("idle"):
        lines.append(f"idle (nothing due): replica CPU {r['idle']['cpu_percent']} %, database {r['idle']['db_tps']} transactions/s")
    p = r.get("pickup", [])
    worst = max((s["receipt"] if s["receipt"] is not None else s["started"] or 99) for s in p) if p else None
    verdicts.append(worst is not None and worst < 1)
    lines.append(f"\npickup (created via API 2 s before due; receipt - due, ms): "
                 f"{', '.join(ms(s['receipt']) for s in p)}  (started_at: {', '.join(ms(s['started']) for s in p)})  max {ms(worst)}  target < 1000: {ok(verdicts[-1])}")
    s = r.get("resync")
    if s:
        verdicts += [s["schema_ready_to_synced"] is not None and s["schema_ready_to_synced"] < 1, s["rss_after_5s_mb"] < 300]
        lines.append(f"resync of {s['enabled']} enabled schedules: process start -> synced {ms(s['start_to_synced'])} ms, "
                     f"schema ready -> synced {ms(s['schema_ready_to_synced'])} ms (of which SQL + decode {ms(s.get('load'))} ms)  target < 1000: {ok(verdicts[-2])}")
        lines.append(f"scheduler RSS with them loaded: {s['rss_mb']:.0f} MB at sync, {s['rss_after_5s_mb']:.0f} MB 5 s later "
                     f"(peak {s['hwm_mb']:.0f} MB)  target < 300 MB: {ok(verdicts[-1])}")
    lines.append("lateness = agent receipt (stub log: completion ts - duration_ms) - scheduled time; started_at = executions.started_at - scheduled_for")
    lines.append("ALL TARGETS MET" if all(verdicts) else "SOME TARGETS MISSED")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

import Foundation
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// Cost safety end to end: `max_runs` and `end_at` complete a schedule (event
/// `schedule_completed`), repeated failures pause it (event `schedule_paused`), and quotas
/// refuse with 429.
@Suite("Cost safety: limits, auto-pause, quotas", .enabled(if: TestEnvironment.available), .serialized)
struct CostSafetyIntegrationTests {
    /// An interval schedule created ten minutes ago whose missed occurrences are all caught up at once.
    static func insertCatchingUp(_ pool: PostgresPool, agent: String, name: String, maxRuns: Int?, endAfterStart: Int?) async throws -> String {
        let row = try await pool.queryFirst(
            """
            INSERT INTO schedules (agent_name, owner, name, trigger, interval_seconds, start_at, message, catchup, overlap,
                                   misfire_grace_seconds, max_runs, end_at, created_at, updated_at)
            SELECT $1, owner, $2, 'interval', 60, now() - interval '600 seconds', 'tick', 'all', 'allow', 0, $3,
                   CASE WHEN $4::int IS NULL THEN NULL ELSE now() - interval '600 seconds' + make_interval(secs => $4::int) END,
                   now() - interval '600 seconds', now() - interval '600 seconds'
            FROM agents WHERE name = $1 RETURNING id
            """, .text(agent), .text(name), PostgresValue(maxRuns), PostgresValue(endAfterStart))
        return try #require(try row?.decode(UUID.self, at: "id")).uuidString.lowercased()
    }

    static func events(_ pool: PostgresPool, _ type: String, schedule: String) async throws -> [[String: Any]] {
        try await pool.query("SELECT payload::text AS p FROM events WHERE type = $1 AND payload ->> 'schedule_id' = $2 ORDER BY id", .text(type), .text(schedule))
            .map { (try JSONSerialization.jsonObject(with: Data(try $0.decode(String.self, at: "p").utf8)) as? [String: Any]) ?? [:] }
    }

    @Test("max_runs and end_at: the scheduler runs what is allowed, disables the schedule and records schedule_completed; a one-time schedule too")
    func limits() async throws {
        try await FeatureHarness.withServers(stubDelayMs: 20) { stubURL, _, _ in
            let harness = try await APITestHarness.make()
            let pool = harness.resources.pool
            try await harness.run { anonymous in
                let admin = try await anonymous.login()
                let agent = APIClient.uniqueAgentName("limits")
                _ = try await admin.request(.post, "/api/agents", json: #"{"name":"\#(agent)","endpoint_url":"\#(stubURL)/agents/\#(agent)"}"#)
                let capped = try await Self.insertCatchingUp(pool, agent: agent, name: "capped", maxRuns: 3, endAfterStart: nil)
                let ending = try await Self.insertCatchingUp(pool, agent: agent, name: "ending", maxRuns: nil, endAfterStart: 330)
                let once = try await admin.request(
                    .post, "/api/agents/\(agent)/schedules",
                    json: #"{"name":"once","message":"once","run_at":"\#(ISO8601DateFormatter().string(from: Date().addingTimeInterval(1)))"}"#)
                let onceID = try #require(once.object["id"] as? String)

                let replica = try await FeatureHarness.startReplica("it-limits")
                func runs(_ id: String) async throws -> Int {
                    try await pool.queryFirst(
                        "SELECT count(*)::int AS n FROM executions WHERE schedule_id = $1::uuid AND status = 'success'", .text(id))?.decode(Int.self, at: "n") ?? 0
                }
                #expect(await FeatureHarness.eventually(timeout: .seconds(15)) {
                    let counts = [try? await runs(capped), try? await runs(ending), try? await runs(onceID)]
                    return counts == [3, 5, 1]
                })
                try await Task.sleep(for: .seconds(1))  // nothing more may run
                #expect(try await runs(capped) == 3, "max_runs 3")
                #expect(try await runs(ending) == 5, "the occurrences up to end_at")
                for (id, reason) in [(capped, "max_runs_reached"), (ending, "end_reached"), (onceID, "once_done")] {
                    let schedule = try await admin.request(.get, "/api/agents/\(agent)/schedules/\(id)").object
                    #expect(schedule["enabled"] as? Bool == false)
                    #expect(schedule["status"] as? String == "completed", "\(reason): \(schedule["status"] ?? "nil")")
                    #expect(schedule["next_run_at"] is NSNull)
                    let completed = try await Self.events(pool, "schedule_completed", schedule: id)
                    #expect(completed.count == 1, "\(reason): \(completed)")
                    #expect(completed.first?["reason"] as? String == reason)
                    #expect(completed.first?["agent"] as? String == agent)
                }
                await SchedulerIntegrationTests.stop([replica])
            }
        }
    }

    @Test("repeated failures pause a schedule with a reason and the schedule_paused event; the default limit is 5")
    func autoPause() async throws {
        try await FeatureHarness.withServers(stubDelayMs: 20) { stubURL, _, _ in
            let replica = try await FeatureHarness.startReplica("it-pause")
            let harness = try await APITestHarness.make()
            let pool = harness.resources.pool
            try await harness.run { anonymous in
                let admin = try await anonymous.login()
                let agent = APIClient.uniqueAgentName("pause")
                _ = try await admin.request(.post, "/api/agents", json: #"{"name":"\#(agent)","endpoint_url":"\#(stubURL)/agents/\#(agent)"}"#)
                let defaults = try await admin.request(.post, "/api/agents/\(agent)/schedules", json: #"{"name":"d","message":"m","cron_expression":"0 0 1 1 *"}"#)
                #expect(defaults.object["max_consecutive_failures"] as? Int == 5)
                let created = try await admin.request(
                    .post, "/api/agents/\(agent)/schedules",
                    json: #"{"name":"flaky","message":"[fail] always","cron_expression":"0 0 1 1 *","max_consecutive_failures":3}"#)
                let id = try #require(created.object["id"] as? String)
                for attempt in 1...3 {
                    let triggered = try await admin.request(.post, "/api/agents/\(agent)/schedules/\(id)/trigger")
                    let run = try #require(triggered.object["execution_id"] as? String, "\(triggered.body)")
                    #expect(await FeatureHarness.eventually {
                        (try? await admin.request(.get, "/api/agents/\(agent)/executions/\(run)").object["status"] as? String) == "failed"
                    })
                    let schedule = try await admin.request(.get, "/api/agents/\(agent)/schedules/\(id)").object
                    #expect(schedule["consecutive_failures"] as? Int == attempt)
                    #expect(schedule["enabled"] as? Bool == (attempt < 3), "paused only at the third failure")
                }
                let paused = try await admin.request(.get, "/api/agents/\(agent)/schedules/\(id)").object
                #expect(paused["status"] as? String == "paused")
                #expect(paused["paused_reason"] as? String == "paused after 3 consecutive failures")
                #expect(paused["next_run_at"] is NSNull)
                let events = try await Self.events(pool, "schedule_paused", schedule: id)
                #expect(events.count == 1)
                #expect(events.first?["consecutive_failures"] as? Int == 3)
                #expect(events.first?["reason"] as? String == "paused after 3 consecutive failures")
                // Enabling it again clears the reason.
                _ = try await admin.request(.post, "/api/agents/\(agent)/schedules/\(id)/enable")
                #expect(try await admin.request(.get, "/api/agents/\(agent)/schedules/\(id)").object["paused_reason"] is NSNull)
            }
            await SchedulerIntegrationTests.stop([replica])
        }
    }

    @Test("quotas: schedules and agents per owner, queued runs per agent → 429 quota_exceeded naming the limit; admins exempt")
    func quotas() async throws {
        try await FeatureHarness.withServers(stubDelayMs: 20) { stubURL, _, _ in
            let replica = try await FeatureHarness.startReplica("it-quota")
            let harness = try await APITestHarness.make(extra: [
                "SUNDIAL_MAX_SCHEDULES_PER_OWNER": "2", "SUNDIAL_MAX_AGENTS_PER_OWNER": "1", "SUNDIAL_MAX_ACTIVE_EXECUTIONS_PER_AGENT": "1",
            ])
            try await harness.run { anonymous in
                let admin = try await anonymous.login()
                let user = try await admin.newUser("quota")
                let agent = APIClient.uniqueAgentName("quota")
                #expect(try await user.request(.post, "/api/agents", json: #"{"name":"\#(agent)","endpoint_url":"\#(stubURL)/agents/\#(agent)"}"#).status == .created)
                let second = try await user.request(.post, "/api/agents", json: #"{"name":"\#(APIClient.uniqueAgentName("quota"))"}"#)
                #expect(second.status == .tooManyRequests)
                #expect(second.object["code"] as? String == "quota_exceeded")
                #expect(second.detail.contains("SUNDIAL_MAX_AGENTS_PER_OWNER"))

                let base = "/api/agents/\(agent)/schedules"
                let slow = try await user.request(.post, base, json: #"{"name":"slow","message":"[sleep:1500] slow","cron_expression":"0 0 1 1 *","enabled":false}"#)
                let slowID = try #require(slow.object["id"] as? String)
                let other = try await user.request(.post, base, json: #"{"name":"other","message":"other","cron_expression":"0 0 1 1 *","enabled":false}"#)
                let otherID = try #require(other.object["id"] as? String)
                let third = try await user.request(.post, base, json: #"{"name":"third","message":"m","cron_expression":"0 0 1 1 *"}"#)
                #expect(third.status == .tooManyRequests)
                #expect(third.detail.contains("the limit is 2"), "\(third.detail)")
                #expect(third.detail.contains("SUNDIAL_MAX_SCHEDULES_PER_OWNER"))
                // An admin is not held to it (the schedule is theirs).
                #expect(try await admin.request(.post, base, json: #"{"name":"admin's","message":"m","cron_expression":"0 0 1 1 *","enabled":false}"#).status == .created)

                let running = try await user.request(.post, "\(base)/\(slowID)/trigger")
                #expect(running.status == .ok, "\(running.body)")
                let refused = try await user.request(.post, "\(base)/\(otherID)/trigger")
                #expect(refused.status == .tooManyRequests)
                #expect(refused.headers[.retryAfter] == "10")
                #expect(refused.detail.contains("SUNDIAL_MAX_ACTIVE_EXECUTIONS_PER_AGENT"))
                let task = try await user.request(.post, "/api/agents/\(agent)/task", json: #"{"message":"x","async":true}"#)
                #expect(task.status == .tooManyRequests)
                #expect(try await user.request(.post, "/api/tasks", json: #"{"agent_name":"\#(agent)","message":"x"}"#).status == .tooManyRequests)
                // A refused trigger records nothing; once the run is over, triggers are accepted again.
                #expect(try await user.request(.get, "\(base)/\(otherID)/executions").array.isEmpty)
                let id = try #require(running.object["execution_id"] as? String)
                #expect(await FeatureHarness.eventually {
                    (try? await user.request(.get, "/api/agents/\(agent)/executions/\(id)").object["status"] as? String) == "success"
                })
                #expect(try await user.request(.post, "\(base)/\(otherID)/trigger").status == .ok)
            }
            await SchedulerIntegrationTests.stop([replica])
        }
    }
}

import Foundation
import Hummingbird
import HummingbirdTesting
import Redis
import Testing

/// Cross-agent views: all schedules, the upcoming calendar, the timeline, ops pause/resume and
/// the scheduler status.
@Suite("Cross-agent views API", .enabled(if: TestEnvironment.available), .serialized)
struct ViewsAPITests {
    /// Friday 2024-03-08 10:00 UTC.
    static let fixedNow = Date(timeIntervalSince1970: 1_709_892_000)

    @Test("upcoming occurrences come from the cron engine, in order, per visible agent")
    func upcoming() async throws {
        let harness = try await APITestHarness.make()
        try await harness.run(now: { Self.fixedNow }) { anonymous in
            let admin = try await anonymous.login()
            let user = try await admin.newUser("cal")
            let agent = APIClient.uniqueAgentName("test-cal")
            _ = try await user.request(.post, "/api/agents", json: #"{"name":"\#(agent)"}"#)
            _ = try await user.request(.post, "/api/agents/\(agent)/schedules", json: #"{"name":"weekday","message":"m","cron_expression":"0 9 * * 1-5","timezone":"Europe/Berlin"}"#)
            _ = try await user.request(.post, "/api/agents/\(agent)/schedules", json: #"{"name":"once","message":"m","run_at":"2024-03-09T12:00:00Z"}"#)
            _ = try await user.request(.post, "/api/agents/\(agent)/schedules", json: #"{"name":"off","message":"m","cron_expression":"* * * * *","enabled":false}"#)
            let answer = try await user.request(.get, "/api/schedules/upcoming?to=2024-03-13T00:00:00Z")
            #expect(answer.status == .ok, "\(answer.body)")
            let items = answer.array.map { "\($0["name"] as? String ?? "?")@\($0["at"] as? String ?? "?")" }
            #expect(items == [
                "once@2024-03-09T12:00:00Z", "weekday@2024-03-11T08:00:00Z", "weekday@2024-03-12T08:00:00Z",
            ])
            let limited = try await user.request(.get, "/api/schedules/upcoming?to=2024-03-13T00:00:00Z&limit=1")
            #expect(limited.array.count == 1)
            #expect(try await user.request(.get, "/api/schedules/upcoming?from=2024-03-10T00:00:00Z&to=2024-03-01T00:00:00Z").status == .badRequest)

            let all = try await user.request(.get, "/api/schedules")
            #expect(all.array.count == 3)
            #expect(try await user.request(.get, "/api/schedules?enabled=false").array.count == 1)
            let other = try await admin.newUser("other")
            #expect(try await other.request(.get, "/api/schedules/upcoming?to=2024-03-13T00:00:00Z").array.isEmpty)

            let timeline = try await user.request(.get, "/api/timeline?from=2024-03-08T00:00:00Z&to=2024-03-10T00:00:00Z")
            #expect(timeline.array.map { $0["kind"] as? String } == ["occurrence"])
        }
    }

    @Test("ops pause disables and resume re-enables only what the pause disabled")
    func pauseResume() async throws {
        let harness = try await APITestHarness.make()
        try await harness.run(now: { Self.fixedNow }) { anonymous in
            let admin = try await anonymous.login()
            let agent = APIClient.uniqueAgentName("test-ops")
            _ = try await admin.request(.post, "/api/agents", json: #"{"name":"\#(agent)"}"#)
            _ = try await admin.request(.post, "/api/agents/\(agent)/schedules", json: #"{"name":"a","message":"m","cron_expression":"0 * * * *"}"#)
            _ = try await admin.request(.post, "/api/agents/\(agent)/schedules", json: #"{"name":"b","message":"m","cron_expression":"0 * * * *"}"#)
            _ = try await admin.request(.post, "/api/agents/\(agent)/schedules", json: #"{"name":"mine-off","message":"m","cron_expression":"0 * * * *","enabled":false}"#)
            let paused = try await admin.request(.post, "/api/ops/schedules/pause?agent_name=\(agent)", headers: [.contentType: "application/json"])
            #expect(paused.object["paused_count"] as? Int == 2)
            #expect(paused.object["agent_filter"] as? String == agent)
            #expect(paused.object["success"] as? Bool == true)
            let summary = try await admin.request(.get, "/api/ops/schedules?agent_name=\(agent)")
            #expect((summary.object["summary"] as? [String: Any])?["disabled"] as? Int == 3)
            #expect(try await admin.request(.get, "/api/schedules?agent=\(agent)").array.allSatisfy { $0["status"] as? String == "paused" })
            let resumed = try await admin.request(.post, "/api/ops/schedules/resume?agent_name=\(agent)")
            #expect(resumed.object["resumed_count"] as? Int == 2)
            let states = try await admin.request(.get, "/api/schedules?agent=\(agent)").array
            #expect(states.filter { $0["enabled"] as? Bool == true }.count == 2)
            #expect(states.first { $0["name"] as? String == "mine-off" }?["enabled"] as? Bool == false)
            #expect(states.first { $0["name"] as? String == "a" }?["next_run_at"] as? String == "2024-03-08T11:00:00Z")
            let none = try await admin.request(.post, "/api/ops/schedules/pause?agent_name=nonexistent-agent")
            #expect(none.object["paused_count"] as? Int == 0)
        }
    }

    @Test("scheduler status aggregates replica heartbeats (admin only)")
    func schedulerStatus() async throws {
        let harness = try await APITestHarness.make()
        let key = "sundial:scheduler:status-test-\(UUID().uuidString.prefix(6))"
        try await harness.resources.redis.setex(
            key, seconds: 30,
            #"{"worker_id":"status-test","started_at":"2024-03-08T09:00:00Z","last_sync_at":"2024-03-08T09:59:00Z","schedules_loaded":3,"running_executions":1}"#)
        try await harness.run { anonymous in
            let admin = try await anonymous.login()
            let answer = try await admin.request(.get, "/api/agents/scheduler/status")
            #expect(answer.status == .ok)
            #expect(answer.object["running"] as? Bool == true)
            #expect(answer.object["job_count"] is Int)
            #expect((answer.object["replicas"] as? [[String: Any]])?.contains { $0["worker_id"] as? String == "status-test" } == true)
            let user = try await admin.newUser("nosy")
            #expect(try await user.request(.get, "/api/agents/scheduler/status").status == .forbidden)
            #expect(try await anonymous.request(.get, "/api/agents/scheduler/status").status == .unauthorized)
        }
        try await RedisCleanup(url: TestEnvironment.redisURL!).delete(key)
    }
}

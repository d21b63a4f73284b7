import Foundation
import Hummingbird
import HummingbirdTesting
import Postgres
import Redis
import Synchronization
import Testing

/// Activities: every user-visible change made through the API is recorded with its actor and
/// time (`GET /api/activities`) and emitted as an event (events table + Redis `scheduler:events`).
@Suite("Activities: audit log and events of user-visible changes", .enabled(if: TestEnvironment.available), .serialized)
struct ActivityIntegrationTests {
    @Test("schedule created/updated/disabled/enabled/triggered/deleted, run cancelled, by a user and by an agent key: recorded and published")
    func activities() async throws {
        let redisURL = try #require(TestEnvironment.redisURL)
        let subscriber = RedisSubscriber(configuration: try RedisConfiguration(url: redisURL), channels: ["scheduler:events"])
        let messages = Mutex<[String]>([])
        let listening = Task {
            for await event in subscriber.events {
                if case .message(_, let payload) = event {
                    let text = String(decoding: payload, as: UTF8.self)
                    messages.withLock { $0.append(text) }
                }
            }
        }
        @Sendable func received() -> [[String: Any]] {
            messages.withLock { $0 }.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
        }
        let running = Task { await subscriber.run() }
        try await Task.sleep(for: .milliseconds(300))

        try await FeatureHarness.withServers(stubDelayMs: 20) { stubURL, _, _ in
            let replica = try await FeatureHarness.startReplica("it-activity")
            let harness = try await APITestHarness.make()
            let pool = harness.resources.pool
            try await harness.run { anonymous in
                let admin = try await anonymous.login()
                let user = try await admin.newUser("audit")
                let username = try #require(try await user.request(.get, "/api/users/me").object["username"] as? String)
                let agent = APIClient.uniqueAgentName("audit")
                _ = try await user.request(.post, "/api/agents", json: #"{"name":"\#(agent)","endpoint_url":"\#(stubURL)/agents/\#(agent)"}"#)
                let base = "/api/agents/\(agent)/schedules"
                let created = try await user.request(.post, base, json: #"{"name":"digest","message":"[sleep:3000] digest","preset":{"kind":"daily","time":"07:00"}}"#)
                let id = try #require(created.object["id"] as? String)
                _ = try await user.request(.put, "\(base)/\(id)", json: #"{"name":"morning digest","timezone":"Europe/Paris"}"#)
                _ = try await user.request(.post, "\(base)/\(id)/disable")
                _ = try await user.request(.post, "\(base)/\(id)/enable")
                let run = try #require(try await user.request(.post, "\(base)/\(id)/trigger").object["execution_id"] as? String)
                await FeatureHarness.eventually {
                    (try? await user.request(.get, "/api/agents/\(agent)/executions/\(run)").object["status"] as? String) == "running"
                }
                _ = try await user.request(.post, "/api/agents/\(agent)/executions/\(run)/cancel")
                // An agent acting with its own key.
                let key = try await user.request(.post, "/api/keys", json: #"{"name":"k","scope":"agent","agent_name":"\#(agent)"}"#)
                let agentClient = APIClient(client: user.client, token: try #require(key.object["key"] as? String))
                let own = try await agentClient.request(.post, base, json: #"{"name":"self","message":"m","interval_seconds":3600}"#)
                let ownID = try #require(own.object["id"] as? String)
                #expect(try await agentClient.request(.delete, "\(base)/\(ownID)").status == .noContent)
                #expect(try await user.request(.delete, "\(base)/\(id)").status == .noContent)

                let log = try await user.request(.get, "/api/activities?agent=\(agent)")
                #expect(log.status == .ok)
                let entries = log.array
                let actions = entries.compactMap { $0["action"] as? String }
                #expect(actions == [
                    "schedule_deleted", "schedule_deleted", "schedule_created", "execution_cancelled", "schedule_triggered", "schedule_enabled",
                    "schedule_disabled", "schedule_updated", "schedule_created", "agent_created",
                ], "newest first: \(actions)")
                let updated = try #require(entries.first { $0["action"] as? String == "schedule_updated" })
                #expect(updated["actor"] as? String == username)
                #expect(updated["actor_kind"] as? String == "user")
                #expect(updated["schedule_id"] as? String == id)
                #expect(Set((updated["details"] as? [String: Any])?["fields"] as? [String] ?? []) == ["name", "timezone"])
                let cancelled = try #require(entries.first { $0["action"] as? String == "execution_cancelled" })
                #expect(cancelled["execution_id"] as? String == run)
                let bySelf = entries.filter { $0["actor_kind"] as? String == "agent_key" }
                #expect(bySelf.compactMap { $0["action"] as? String } == ["schedule_deleted", "schedule_created"])
                #expect(bySelf.allSatisfy { $0["actor_agent"] as? String == agent && $0["actor"] as? String == username })
                // Time and action filters.
                let firstAt = try #require(entries.last?["at"] as? String)
                #expect(try await user.request(.get, "/api/activities?agent=\(agent)&to=\(firstAt)").array.isEmpty)
                #expect(try await user.request(.get, "/api/activities?agent=\(agent)&action=schedule_deleted").array.count == 2)
                // The agent's activity view (Trinity shape) shows the changes next to the runs.
                let view = try await user.request(.get, "/api/agents/\(agent)/activities?limit=100").object
                let types = (view["activities"] as? [[String: Any]] ?? []).compactMap { $0["activity_type"] as? String }
                #expect(types.contains("schedule_updated") && types.contains("agent_created"), "\(types)")
                // The cancelled run appears twice: as the run (its execution) and as the user's cancel (the change).
                #expect(types.filter { $0 == "execution_cancelled" }.count == 2, "\(types)")
                let change = (view["activities"] as? [[String: Any]] ?? []).first { $0["activity_type"] as? String == "schedule_created" }
                #expect((change?["details"] as? [String: Any])?["actor"] as? String == username)
                #expect(try await user.request(.get, "/api/activities/\(agent)?activity_types=schedule_deleted").array.count == 2)
                // Another user sees none of it.
                let stranger = try await admin.newUser("audit-other")
                #expect(try await stranger.request(.get, "/api/activities?agent=\(agent)").array.isEmpty)

                // Each entry is an event in the durable log, and was published on Redis.
                let eventIDs = entries.compactMap { $0["event_id"] as? Int }
                #expect(eventIDs.count == entries.count)
                let stored = try await pool.query(
                    "SELECT id, type, payload ->> 'actor' AS actor FROM events WHERE id = ANY($1::bigint[]) ORDER BY id DESC",
                    .text("{" + eventIDs.map(String.init).joined(separator: ",") + "}"))
                #expect(try stored.map { try $0.decode(String.self, at: "type") } == actions)
                #expect(try stored.allSatisfy { try $0.decode(String.self, at: "actor") == username })
                #expect(await FeatureHarness.eventually {
                    let published = received().filter { $0["agent"] as? String == agent && $0["actor"] != nil }
                    return published.count == actions.count
                }, "published on scheduler:events")
                let published = received().first { $0["type"] as? String == "schedule_created" && $0["agent"] as? String == agent }
                #expect(published?["schedule_name"] as? String == "digest")
                #expect(published?["event_id"] is Int)
                #expect(published?["timestamp"] is String)
            }
            await SchedulerIntegrationTests.stop([replica])
        }
        subscriber.shutdown()
        await running.value
        listening.cancel()
    }
}

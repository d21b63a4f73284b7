import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The cross-agent task manager (`/api/tasks`) and make-repeatable, end to end with a scheduler
/// replica and the reference agent.
@Suite("Task manager and make-repeatable end to end", .enabled(if: TestEnvironment.available), .serialized)
struct TaskManagerIntegrationTests {
    static func instant(_ value: Any?) -> Date? {
        (value as? String).flatMap(ISO8601DateFormatter.withFractions.date(from:))
    }

    static func finished(_ client: APIClient, _ id: String) async throws -> [String: Any] {
        var last: [String: Any] = [:]
        await FeatureHarness.eventually(timeout: .seconds(15)) {
            last = (try? await client.request(.get, "/api/tasks/\(id)").object) ?? [:]
            return ["success", "failed", "cancelled"].contains(last["status"] as? String ?? "")
        }
        return last
    }

    @Test("create, follow-up turns in one session, list, running count, SSE with resume, cancel, delete; agent keys see only their agent")
    func tasks() async throws {
        try await FeatureHarness.withServers { stubURL, _, _ in
            let replica = try await FeatureHarness.startReplica("it-tasks")
            let harness = try await APITestHarness.make()
            try await harness.run { anonymous in
                let admin = try await anonymous.login()
                let user = try await admin.newUser("tasks")
                let agent = APIClient.uniqueAgentName("tasks")
                #expect(try await user.request(.post, "/api/agents", json: #"{"name":"\#(agent)","endpoint_url":"\#(stubURL)/agents/\#(agent)"}"#).status == .created)

                let created = try await user.request(.post, "/api/tasks", json: #"{"agent_name":"\#(agent)","message":"[sleep:800] plan the trip","context":{"city":"Lisbon"}}"#)
                #expect(created.status == .accepted, "\(created.body)")
                let first = try #require(created.object["execution_id"] as? String)
                let follow = try await user.request(.post, "/api/tasks/\(first)/message", json: #"{"message":"and book it"}"#)
                #expect(follow.status == .accepted, "\(follow.body)")
                let second = try #require(follow.object["execution_id"] as? String)

                let running = await FeatureHarness.eventually {
                    (try? await user.request(.get, "/api/tasks/running/count").object["count"] as? Int) == 1
                }
                #expect(running, "the first turn runs, the follow-up waits")
                let one = try await Self.finished(user, first)
                let two = try await Self.finished(user, second)
                #expect(one["status"] as? String == "success")
                #expect(two["status"] as? String == "success")
                #expect(one["session_key"] as? String == "task:\(first)")
                #expect(two["session_key"] as? String == "task:\(first)")
                #expect(two["session_id"] as? String == one["session_id"] as? String, "the follow-up continues the task's session")
                #expect((two["response"] as? String)?.hasSuffix("(turn 2 of this session)") == true, "\(two["response"] ?? "nil")")
                let firstDone = try #require(Self.instant(one["completed_at"]))
                let secondStart = try #require(Self.instant(two["started_at"]))
                #expect(secondStart >= firstDone, "never two turns at once")
                #expect(try await user.request(.get, "/api/tasks/running/count").object["count"] as? Int == 0)

                let listed = try await user.request(.get, "/api/tasks?agent=\(agent)").array.compactMap { $0["id"] as? String }
                #expect(listed == [second, first], "newest first")
                #expect(try await user.request(.get, "/api/tasks?status=failed&agent=\(agent)").array.isEmpty)

                // SSE: a finished task replays its final state; Last-Event-ID resumes after what was seen.
                let stream = try await user.request(.get, "/api/tasks/\(first)/stream")
                #expect(stream.headers[.contentType] == "text/event-stream")
                #expect(stream.body.contains("\"status\":\"success\""))
                #expect(stream.body.contains("stream_end"))
                let resumed = try await user.request(.get, "/api/tasks/\(first)/stream", headers: [.init("Last-Event-ID")!: "3"])
                #expect(!resumed.body.contains("\"status\":\"success\""), "nothing after event 3: \(resumed.body)")
                #expect(resumed.body.contains("stream_end"))

                // Cancel a long task, then delete it.
                let long = try await user.request(.post, "/api/tasks", json: #"{"agent_name":"\#(agent)","message":"[sleep:5000] long"}"#)
                let longID = try #require(long.object["execution_id"] as? String)
                await FeatureHarness.eventually { (try? await user.request(.get, "/api/tasks/\(longID)").object["status"] as? String) == "running" }
                let cancelled = try await user.request(.post, "/api/tasks/\(longID)/cancel")
                #expect(cancelled.object["status"] as? String == "cancelled")
                #expect(try await Self.finished(user, longID)["status"] as? String == "cancelled")
                #expect(try await user.request(.post, "/api/tasks/\(longID)/cancel").object["status"] as? String == "already_finished")
                #expect(try await user.request(.delete, "/api/tasks/\(longID)").status == .noContent)
                #expect(try await user.request(.get, "/api/tasks/\(longID)").status == .notFound)

                // Visibility: another user, and an agent key of another agent, see nothing of it.
                let stranger = try await admin.newUser("tasks-other")
                #expect(try await stranger.request(.get, "/api/tasks/\(first)").status == .notFound)
                #expect(try await stranger.request(.post, "/api/tasks/\(first)/message", json: #"{"message":"hi"}"#).status == .notFound)
                #expect(try await stranger.request(.get, "/api/tasks?agent=\(agent)").array.isEmpty)
                #expect(try await stranger.request(.post, "/api/tasks", json: #"{"agent_name":"\#(agent)","message":"x"}"#).status == .notFound)
                let otherAgent = APIClient.uniqueAgentName("tasks-other")
                _ = try await stranger.request(.post, "/api/agents", json: #"{"name":"\#(otherAgent)","endpoint_url":"\#(stubURL)/agents/\#(otherAgent)"}"#)
                let key = try await stranger.request(.post, "/api/keys", json: #"{"name":"k","scope":"agent","agent_name":"\#(otherAgent)"}"#)
                let agentKey = APIClient(client: stranger.client, token: try #require(key.object["key"] as? String))
                #expect(try await agentKey.request(.get, "/api/tasks/\(first)").status == .notFound)
                let own = try await agentKey.request(.post, "/api/tasks", json: #"{"agent_name":"\#(otherAgent)","message":"self-service"}"#)
                #expect(own.status == .accepted)
                let ownID = try #require(own.object["execution_id"] as? String)
                #expect(try await Self.finished(agentKey, ownID)["status"] as? String == "success")
                #expect(try await agentKey.request(.get, "/api/tasks").array.compactMap { $0["id"] as? String } == [ownID])
            }
            await SchedulerIntegrationTests.stop([replica])
        }
    }

    @Test("make-repeatable: a task or a scheduled run becomes a new schedule with its message, context and settings")
    func makeRepeatable() async throws {
        try await FeatureHarness.withServers { stubURL, _, _ in
            let replica = try await FeatureHarness.startReplica("it-repeat")
            let harness = try await APITestHarness.make()
            try await harness.run { anonymous in
                let admin = try await anonymous.login()
                let agent = APIClient.uniqueAgentName("repeat")
                _ = try await admin.request(.post, "/api/agents", json: #"{"name":"\#(agent)","endpoint_url":"\#(stubURL)/agents/\#(agent)"}"#)
                let task = try await admin.request(
                    .post, "/api/agents/\(agent)/task",
                    json: #"{"message":"summarise the inbox","context":{"folder":"INBOX"},"timeout_seconds":30,"allowed_tools":["mail"],"model":"m-1"}"#)
                #expect(task.object["status"] as? String == "success", "\(task.body)")
                let taskID = try #require(task.object["execution_id"] as? String)

                let made = try await admin.request(
                    .post, "/api/agents/\(agent)/executions/\(taskID)/make-repeatable",
                    json: #"{"preset":{"kind":"weekdays","time":"08:00"},"timezone":"Europe/Berlin"}"#)
                #expect(made.status == .created, "\(made.body)")
                #expect(made.object["message"] as? String == "summarise the inbox")
                #expect(made.object["cron_expression"] as? String == "0 8 * * 1-5")
                #expect(made.object["timezone"] as? String == "Europe/Berlin")
                #expect((made.object["context"] as? [String: Any])?["folder"] as? String == "INBOX")
                #expect(made.object["timeout_seconds"] as? Int == 60, "a 30 s task timeout is raised to the schedule minimum")
                #expect(made.object["allowed_tools"] as? [String] == ["mail"])
                #expect(made.object["model"] as? String == "m-1")
                #expect((made.object["name"] as? String)?.hasPrefix("Repeat: summarise") == true)
                #expect((made.object["description"] as? String)?.contains(taskID) == true)

                // A scheduled run: its schedule's template (not the expanded text) is repeated.
                let original = try await admin.request(
                    .post, "/api/agents/\(agent)/schedules",
                    json: #"{"name":"report","message":"report for {{date}}","cron_expression":"0 0 1 1 *","enabled":false,"timezone":"Asia/Tokyo"}"#)
                let originalID = try #require(original.object["id"] as? String)
                let triggered = try await admin.request(.post, "/api/agents/\(agent)/schedules/\(originalID)/trigger")
                let runID = try #require(triggered.object["execution_id"] as? String)
                await FeatureHarness.eventually {
                    (try? await admin.request(.get, "/api/agents/\(agent)/executions/\(runID)").object["status"] as? String) == "success"
                }
                let ran = try await admin.request(.get, "/api/agents/\(agent)/executions/\(runID)")
                #expect(!(ran.object["message"] as? String ?? "{{").contains("{{"), "the run's message was expanded")
                let again = try await admin.request(
                    .post, "/api/agents/\(agent)/executions/\(runID)/make-repeatable", json: #"{"name":"report, once more","run_at_local":"2031-03-01T09:00"}"#)
                #expect(again.status == .created, "\(again.body)")
                #expect(again.object["message"] as? String == "report for {{date}}")
                #expect(again.object["name"] as? String == "report, once more")
                #expect(again.object["timezone"] as? String == "Asia/Tokyo")
                #expect(again.object["run_at"] as? String == "2031-03-01T00:00:00Z")

                // Without a trigger: 422 as for create; unknown execution: 404.
                #expect(try await admin.request(.post, "/api/agents/\(agent)/executions/\(taskID)/make-repeatable", json: "{}").status == .unprocessableContent)
                #expect(try await admin.request(.post, "/api/agents/\(agent)/executions/\(UUID())/make-repeatable", json: #"{"interval_seconds":600}"#).status == .notFound)
            }
            await SchedulerIntegrationTests.stop([replica])
        }
    }
}

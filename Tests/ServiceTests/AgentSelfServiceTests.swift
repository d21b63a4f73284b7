import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Agent self-service: with an agent-scoped API key an agent schedules its own work — creates,
/// lists, changes, disables and deletes its schedules, triggers them, reads and cancels its own
/// executions — and cannot see or touch anything of another agent, not even one with the same owner.
@Suite("Agent self-service with an agent-scoped key", .enabled(if: TestEnvironment.available), .serialized)
struct AgentSelfServiceTests {
    @Test("an agent key manages its own schedules and executions; another agent's are 404 (403 for agent-level changes)")
    func selfService() async throws {
        try await FeatureHarness.withServers(stubDelayMs: 20) { stubURL, _, _ in
            let replica = try await FeatureHarness.startReplica("it-self")
            let harness = try await APITestHarness.make()
            try await harness.run { anonymous in
                let admin = try await anonymous.login()
                let owner = try await admin.newUser("self")
                let mine = APIClient.uniqueAgentName("self")
                let sibling = APIClient.uniqueAgentName("sibling")
                for name in [mine, sibling] {
                    #expect(try await owner.request(.post, "/api/agents", json: #"{"name":"\#(name)","endpoint_url":"\#(stubURL)/agents/\#(name)"}"#).status == .created)
                }
                let siblingSchedule = try await owner.request(
                    .post, "/api/agents/\(sibling)/schedules", json: #"{"name":"theirs","message":"m","cron_expression":"0 0 1 1 *","enabled":false}"#)
                let siblingID = try #require(siblingSchedule.object["id"] as? String)
                let siblingRun = try #require(try await owner.request(.post, "/api/agents/\(sibling)/schedules/\(siblingID)/trigger").object["execution_id"] as? String)

                let key = try await owner.request(.post, "/api/keys", json: #"{"name":"\#(mine) key","scope":"agent","agent_name":"\#(mine)"}"#)
                let agent = APIClient(client: owner.client, token: try #require(key.object["key"] as? String, "\(key.body)"))
                let base = "/api/agents/\(mine)/schedules"

                // Its own schedules: create, list, change, disable, trigger, delete.
                let created = try await agent.request(.post, base, json: #"{"name":"follow up","message":"[sleep:3000] check back","preset":{"kind":"daily","time":"10:00"}}"#)
                #expect(created.status == .created, "\(created.body)")
                let id = try #require(created.object["id"] as? String)
                #expect(try await agent.request(.get, base).array.compactMap { $0["id"] as? String } == [id])
                #expect(try await agent.request(.put, "\(base)/\(id)", json: #"{"name":"follow up later"}"#).object["name"] as? String == "follow up later")
                #expect(try await agent.request(.post, "\(base)/\(id)/disable").object["status"] as? String == "disabled")
                let triggered = try await agent.request(.post, "\(base)/\(id)/trigger")
                let run = try #require(triggered.object["execution_id"] as? String, "\(triggered.body)")

                // Its own executions: read, list, cancel.
                #expect(await FeatureHarness.eventually {
                    (try? await agent.request(.get, "/api/agents/\(mine)/executions/\(run)").object["status"] as? String) == "running"
                })
                #expect(try await agent.request(.get, "/api/agents/\(mine)/executions").array.compactMap { $0["id"] as? String } == [run])
                let cancelled = try await agent.request(.post, "/api/agents/\(mine)/executions/\(run)/cancel")
                #expect(cancelled.object["status"] as? String == "cancelled")
                #expect(try await agent.request(.get, "/api/agents/\(mine)/executions/\(run)").object["status"] as? String == "cancelled")

                // Cross-agent views show only its own agent.
                #expect(Set(try await agent.request(.get, "/api/schedules").array.compactMap { $0["agent_name"] as? String }) == [mine])
                #expect(Set(try await agent.request(.get, "/api/executions").array.compactMap { $0["agent_name"] as? String }) == [mine])
                #expect(try await agent.request(.get, "/api/agents").array.compactMap { $0["name"] as? String } == [mine])

                // The sibling agent (same owner) does not exist for this key.
                let other = "/api/agents/\(sibling)"
                let refusals: [(HTTPRequest.Method, String, String?)] = [
                    (.get, "\(other)/schedules", nil),
                    (.post, "\(other)/schedules", #"{"name":"x","message":"m","cron_expression":"0 0 1 1 *"}"#),
                    (.get, "\(other)/schedules/\(siblingID)", nil),
                    (.put, "\(other)/schedules/\(siblingID)", #"{"name":"mine now"}"#),
                    (.post, "\(other)/schedules/\(siblingID)/disable", nil),
                    (.post, "\(other)/schedules/\(siblingID)/trigger", nil),
                    (.delete, "\(other)/schedules/\(siblingID)", nil),
                    (.get, "\(other)/executions", nil),
                    (.get, "\(other)/executions/\(siblingRun)", nil),
                    (.post, "\(other)/executions/\(siblingRun)/cancel", nil),
                    (.post, "\(other)/task", #"{"message":"x"}"#),
                    (.get, "/api/tasks/\(siblingRun)", nil),
                    // Its own agent path with the sibling's ids.
                    (.get, "\(base)/\(siblingID)", nil),
                    (.delete, "\(base)/\(siblingID)", nil),
                    (.get, "/api/agents/\(mine)/executions/\(siblingRun)", nil),
                ]
                for (method, path, body) in refusals {
                    let answer = try await agent.request(method, path, json: body)
                    #expect(answer.status == .notFound, "\(method) \(path) → \(answer.status) \(answer.body)")
                }
                #expect(try await agent.request(.delete, "/api/agents/\(mine)").status == .forbidden)
                #expect(try await agent.request(.put, "/api/agents/\(mine)", json: #"{"max_concurrency":1}"#).status == .forbidden)
                #expect(try await agent.request(.post, "/api/users/me/webhook-secret").status == .forbidden)
                // The sibling's schedule is untouched.
                let untouched = try await owner.request(.get, "\(other)/schedules/\(siblingID)").object
                #expect(untouched["name"] as? String == "theirs")

                #expect(try await agent.request(.delete, "\(base)/\(id)").status == .noContent)
                #expect(try await agent.request(.get, base).array.isEmpty)
            }
            await SchedulerIntegrationTests.stop([replica])
        }
    }
}

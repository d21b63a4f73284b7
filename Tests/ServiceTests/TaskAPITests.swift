import Foundation
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// `POST /api/agents/{name}/task` end to end: the API queues, a real scheduler replica runs it.
@Suite("Ad-hoc tasks API with a scheduler replica", .enabled(if: TestEnvironment.available), .serialized)
struct TaskAPITests {
    @Test("sync, async and async_mode tasks; agent calls; stopped agents; per-agent concurrency")
    func tasks() async throws {
        let transport = RecordingTransport(delay: .milliseconds(300))
        let replica = try await SchedulerIntegrationTests.startReplica("it-task-\(UUID().uuidString.prefix(4))", transport: transport)
        try await Task.sleep(for: .milliseconds(1500))  // listener up, first heartbeat written
        let harness = try await APITestHarness.make()
        try await harness.run { anonymous in
            let admin = try await anonymous.login()
            let agent = APIClient.uniqueAgentName("test-task")
            _ = try await admin.request(.post, "/api/agents", json: #"{"name":"\#(agent)","max_concurrency":2}"#)

            let sync = try await admin.request(.post, "/api/agents/\(agent)/task", json: #"{"message":"hello","timeout_seconds":1,"save_to_session":true}"#)
            #expect(sync.status == .ok, "\(sync.body)")
            #expect(sync.object["status"] as? String == "success")
            #expect(sync.object["response"] as? String == "done: hello")
            #expect(sync.object["session_id"] is String)
            #expect(sync.object["timestamp"] is String)
            #expect(sync.object["metadata"] is [String: Any])
            #expect((sync.object["execution_log"] as? [Any])?.count == 1)
            #expect(sync.object["triggered_by"] as? String == "manual")
            #expect((sync.object["duration_ms"] as? Int ?? 0) >= 1)

            let accepted = try await admin.request(.post, "/api/agents/\(agent)/task", json: #"{"message":"bg","async_mode":true}"#)
            #expect(accepted.status == .ok)
            #expect(accepted.object["status"] as? String == "accepted")
            #expect(accepted.object["async_mode"] as? Bool == true)
            #expect((accepted.object["message"] as? String)?.contains("Poll") == true)
            let id = try #require(accepted.object["execution_id"] as? String)
            try await Task.sleep(for: .seconds(1))
            let picked = try await admin.request(.get, "/api/agents/\(agent)/executions/\(id)")
            #expect(["running", "success"].contains(picked.object["status"] as? String), "picked up within 1 s: \(picked.object["status"] ?? "nil")")

            let agentCall = try await admin.request(
                .post, "/api/agents/\(agent)/task", json: #"{"message":"from a peer","async":true}"#, headers: [.init("X-Source-Agent")!: "peer"])
            #expect(agentCall.status == .accepted)
            #expect(agentCall.object["status"] as? String == "pending")
            let peerID = try #require(agentCall.object["execution_id"] as? String)

            // Five at once against max_concurrency 2: all finish, never more than two in flight.
            var ids: [String] = []
            for index in 0..<5 {
                let answer = try await admin.request(.post, "/api/agents/\(agent)/task", json: #"{"message":"burst \#(index)","async":true}"#)
                ids.append(try #require(answer.object["execution_id"] as? String))
            }
            var finished = 0
            for _ in 0..<100 where finished < 6 {
                try await Task.sleep(for: .milliseconds(100))
                finished = 0
                for check in ids + [peerID] where try await admin.request(.get, "/api/agents/\(agent)/executions/\(check)").object["status"] as? String == "success" {
                    finished += 1
                }
            }
            #expect(finished == 6)
            let inFlight = transport.maxInFlight(agent: agent)
            #expect(inFlight == 2, "max in flight \(inFlight)")
            #expect(try await admin.request(.get, "/api/agents/\(agent)/executions/\(peerID)").object["triggered_by"] as? String == "agent")

            _ = try await admin.request(.post, "/api/agents/\(agent)/stop")
            let refused = try await admin.request(.post, "/api/agents/\(agent)/task", json: #"{"message":"x","async_mode":true}"#)
            #expect(refused.status == .serviceUnavailable)
            #expect(try await admin.request(.post, "/api/agents/nonexistent/task", json: #"{"message":"x"}"#).status == .notFound)
        }
        await SchedulerIntegrationTests.stop([replica])
    }
}

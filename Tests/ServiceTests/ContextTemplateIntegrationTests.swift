import AgentClient
import Domain
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// What the agent receives: the schedule's context object with every run, and the message with
/// its placeholders expanded in the schedule's time zone at fire time.
@Suite("Context and message templates reach the agent", .enabled(if: TestEnvironment.available), .serialized)
struct ContextTemplateIntegrationTests {
    final class CapturingTransport: AgentTransport {
        let captured = Mutex<[(endpoint: String, request: AgentTaskRequest)]>([])

        /// Requests to one agent (other tests may have left queued runs of other agents behind).
        func requests(to agent: String) -> [AgentTaskRequest] {
            captured.withLock { $0.filter { $0.endpoint.hasSuffix("/agents/\(agent)") }.map(\.request) }
        }

        func runTask(endpoint: String, request: AgentTaskRequest, timeout: Duration) async throws -> AgentTaskOutcome {
            captured.withLock { $0.append((endpoint, request)) }
            return .completed(AgentTaskResult(response: "ok", sessionID: "s"), httpStatus: 200)
        }

        func health(endpoint: String, timeout: Duration) async -> Bool { true }
    }

    @Test("a fired occurrence and a manual trigger both send the context and the message expanded in the schedule's zone")
    func contextAndTemplates() async throws {
        let transport = CapturingTransport()
        let replica = try await FeatureHarness.startReplica("it-context", transport: transport)
        let harness = try await APITestHarness.make()
        try await harness.run { anonymous in
            let admin = try await anonymous.login()
            let agent = APIClient.uniqueAgentName("context")
            _ = try await admin.request(.post, "/api/agents", json: #"{"name":"\#(agent)","endpoint_url":"http://127.0.0.1:9/agents/\#(agent)"}"#)
            let fireAt = Date().addingTimeInterval(2)
            let created = try await admin.request(
                .post, "/api/agents/\(agent)/schedules",
                json: #"""
                {"name":"markets","timezone":"Asia/Tokyo","run_at":"\#(ISO8601DateFormatter().string(from: fireAt))",
                 "message":"{{weekday}} {{date}} {{time}} ({{datetime}}) {{schedule_name}}@{{agent_name}} since {{last_run_at}}",
                 "context":{"tickers":["AAPL","MSFT"],"depth":{"level":2,"ok":true}}}
                """#)
            #expect(created.status == .created, "\(created.body)")
            let id = try #require(created.object["id"] as? String)
            #expect(await FeatureHarness.eventually { transport.requests(to: agent).count == 1 })
            let fired = try #require(transport.requests(to: agent).first)
            var tokyo = Calendar(identifier: .gregorian)
            tokyo.timeZone = TimeZone(identifier: "Asia/Tokyo")!
            let parts = tokyo.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: fireAt)
            let date = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
            let time = String(format: "%02d:%02d", parts.hour!, parts.minute!)
            let weekday = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"][parts.weekday! - 1]
            #expect(fired.message == "\(weekday) \(date) \(time) (\(date) \(time)) markets@\(agent) since never")
            #expect(fired.context == .object([
                "tickers": .array([.string("AAPL"), .string("MSFT")]), "depth": .object(["level": .int(2), "ok": .bool(true)]),
            ]))

            // A manual trigger later: same context; last_run_at is now the first run's time.
            await FeatureHarness.eventually {
                (try? await admin.request(.get, "/api/agents/\(agent)/schedules/\(id)").object["last_run_at"] is String) ?? false
            }
            let triggered = try await admin.request(.post, "/api/agents/\(agent)/schedules/\(id)/trigger")
            #expect(triggered.status == .ok, "\(triggered.body)")
            #expect(await FeatureHarness.eventually { transport.requests(to: agent).count == 2 })
            let manual = try #require(transport.requests(to: agent).last)
            #expect(manual.context == fired.context)
            #expect(!manual.message.contains("{{"))
            #expect(!manual.message.hasSuffix("since never"), "\(manual.message)")
            // The execution records the message as sent.
            let runs = try await admin.request(.get, "/api/agents/\(agent)/schedules/\(id)/executions").array
            #expect(runs.contains { $0["message"] as? String == fired.message })
        }
        await SchedulerIntegrationTests.stop([replica])
    }
}

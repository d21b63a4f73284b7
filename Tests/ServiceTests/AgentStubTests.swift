import AgentStub
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SundialConfig
import Testing

@Suite("Reference agent stub")
struct AgentStubTests {
    func app(_ env: [String: String]) throws -> some ApplicationProtocol {
        var values = ["SUNDIAL_STUB_PORT": "0", "SUNDIAL_STUB_DELAY_MS": "0"]
        values.merge(env) { _, new in new }
        return buildAgentStubApplication(config: try AgentStubConfig(environment: Environment(values)), logger: Logger(label: "stub-test"))
    }

    func task(_ client: some TestClientProtocol, agent: String = "demo", _ body: String) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await client.execute(uri: "/agents/\(agent)/api/task", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body)) { response in
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
            return (response.status, object)
        }
    }

    @Test("answers the agent protocol with metadata and a session id")
    func protocolShape() async throws {
        try await app([:]).test(.router) { client in
            let (status, body) = try await task(client, #"{"message":"hello","execution_id":"e-1","session_id":"s-9"}"#)
            #expect(status == .ok)
            #expect(body["response"] as? String == "[demo] done: hello")
            #expect(body["session_id"] as? String == "s-9")
            let metadata = body["metadata"] as? [String: Any]
            #expect(metadata?["cost_usd"] as? Double != nil)
            #expect(metadata?["context_window"] as? Int == 200_000)
            #expect((body["execution_log"] as? [Any])?.count == 2)
        }
    }

    @Test("directives and failure rate: [fail] → 500, [busy] → 429, rate 1 → always 500")
    func failures() async throws {
        try await app([:]).test(.router) { client in
            let failed = try await task(client, #"{"message":"x [fail]"}"#).0
            let busy = try await task(client, #"{"message":"x [busy]"}"#).0
            let malformed = try await task(client, #"{"nomessage":1}"#).0
            #expect(failed == .internalServerError)
            #expect(busy == .tooManyRequests)
            #expect(malformed == .unprocessableContent)
        }
        try await app(["SUNDIAL_STUB_FAILURE_RATE": "1"]).test(.router) { client in
            let status = try await task(client, #"{"message":"x"}"#).0
            #expect(status == .internalServerError)
        }
    }

    @Test("beyond max concurrency it answers busy, and stats report duplicates")
    func concurrencyLimit() async throws {
        let agent = StubAgent(settings: .init(delay: .milliseconds(300), failureRate: 0, maxConcurrency: 2), logger: Logger(label: "stub-test"))
        let outcomes = await withTaskGroup(of: StubAgent.Outcome.self) { group in
            for index in 0..<5 {
                group.addTask {
                    await agent.handle(agent: "demo", request: .init(message: "m\(index)", execution_id: "dup"))
                }
            }
            return await group.reduce(into: [StubAgent.Outcome]()) { $0.append($1) }
        }
        #expect(outcomes.filter { if case .completed = $0 { true } else { false } }.count == 2)
        #expect(outcomes.filter { $0 == .busy }.count == 3)
        let stats = agent.stats
        #expect(stats.received == 5)
        #expect(stats.max_in_flight == 2)
        #expect(stats.duplicate_execution_ids.contains("dup"))
    }
}

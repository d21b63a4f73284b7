import Domain
import AgentClient
import Foundation
import Testing

@Suite("AgentClient")
struct AgentClientTests {
    private func withAgent<T>(_ body: (TestHTTPServer, AgentClient) async throws -> T) async throws -> T {
        try await withServerAndClient { server, http in
            try await body(server, AgentClient(http: http))
        }
    }

    private let request = AgentTaskRequest(
        message: "summarise the inbox",
        context: ["user": "ana", "limit": 5, "ratio": 0.5, "tags": ["a", "b"], "nested": ["ok": true, "none": nil]],
        model: "sonnet",
        allowedTools: ["search", "read"],
        timeoutSeconds: 900,
        executionID: "exec-123"
    )

    @Test func completedTaskIsParsed() async throws {
        try await withAgent { server, agents in
            let outcome = try await agents.runTask(endpoint: server.baseURL + "/ok/", request: request, timeout: .seconds(5))
            guard case .completed(let result, let status) = outcome else {
                Issue.record("expected completion, got \(outcome)")
                return
            }
            #expect(status == 200)
            #expect(result.response == "done: summarise the inbox")
            #expect(result.sessionID == "sess-42")
            #expect(result.timestamp == "2024-03-10T07:30:00Z")
            #expect(result.executionLog == [["step": 1, "tool": "search"]])
            let metadata = try #require(result.metadata)
            #expect(metadata.costUSD == 0.0123)
            #expect(metadata.durationMS == 4567)
            #expect(metadata.numTurns == 3)
            #expect(metadata.toolCount == 2)
            #expect(metadata.inputTokens == 1200)
            #expect(metadata.outputTokens == 340)
            #expect(metadata.contextWindow == 200_000)
            #expect(try outcome.get() == result)
        }
    }

    @Test func requestFollowsTheAgentProtocol() async throws {
        try await withAgent { server, agents in
            _ = try await agents.runTask(endpoint: server.baseURL + "/ok", request: request, timeout: .seconds(5))
            let sent = try #require(server.requests.first)
            #expect(sent.method == "POST")
            #expect(sent.path == "/ok/api/task")
            #expect(sent.header("Content-Type") == "application/json")
            let json = try JSONDecoder().decode(JSONValue.self, from: Data(sent.body))
            #expect(json == [
                "message": "summarise the inbox",
                "context": ["user": "ana", "limit": 5, "ratio": 0.5, "tags": ["a", "b"], "nested": ["ok": true, "none": nil]],
                "model": "sonnet",
                "allowed_tools": ["search", "read"],
                "timeout_seconds": 900,
                "execution_id": "exec-123",
            ])
            // Absent optionals are left out, not sent as null.
            #expect(json["session_id"] == nil)
        }
    }

    @Test func busyAgentIsNotAFailureOfTheTask() async throws {
        try await withAgent { server, agents in
            let outcome = try await agents.runTask(endpoint: server.baseURL + "/busy", request: request, timeout: .seconds(5))
            guard case .failed(let error) = outcome else {
                Issue.record("expected busy, got \(outcome)")
                return
            }
            #expect(error.kind == .busy(retryAfter: .seconds(12)))
            #expect(error.isBusy)
            #expect(error.message == "agent busy (429), retry after 12s")
            #expect(error.code == "agent_busy")
        }
    }

    @Test func serverErrorCarriesStatusAndBody() async throws {
        try await withAgent { server, agents in
            let outcome = try await agents.runTask(endpoint: server.baseURL + "/down", request: request, timeout: .seconds(5))
            #expect(throws: AgentCallError(
                kind: .serverError(status: 503, body: "overloaded please retry"),
                message: "agent returned HTTP 503: overloaded please retry"
            )) { try outcome.get() }
        }
    }

    @Test(arguments: [
        ("garbage", "agent returned an invalid response: not valid JSON"),
        ("missing", "agent returned an invalid response: missing field 'response'"),
    ])
    func unreadableAnswerIsABadResponse(behaviour: String, message: String) async throws {
        try await withAgent { server, agents in
            let outcome = try await agents.runTask(endpoint: server.baseURL + "/" + behaviour, request: request, timeout: .seconds(5))
            guard case .failed(let error) = outcome, case .badResponse = error.kind else {
                Issue.record("expected a bad response, got \(outcome)")
                return
            }
            #expect(error.message == message)
        }
    }

    @Test func slowAgentTimesOut() async throws {
        try await withAgent { server, agents in
            let start = ContinuousClock.now
            let outcome = try await agents.runTask(endpoint: server.baseURL + "/slow", request: request, timeout: .milliseconds(300))
            #expect(ContinuousClock.now - start < .seconds(10))
            #expect(throws: AgentCallError(kind: .timeout, message: "agent timed out after 300ms")) { try outcome.get() }
        }
    }

    @Test func stoppedAgentIsUnreachable() async throws {
        let port = try TestHTTPServer.closedPort()
        let http = CurlHTTPClient()
        let agents = AgentClient(http: http)
        let outcome = try await agents.runTask(endpoint: "http://127.0.0.1:\(port)", request: request, timeout: .seconds(5))
        #expect(throws: AgentCallError(
            kind: .unreachable,
            message: "agent unreachable: connection refused to http://127.0.0.1:\(port)/api/task"
        )) { try outcome.get() }
        #expect(await agents.health(endpoint: "http://127.0.0.1:\(port)") == false)
        await http.shutdown()
    }

    @Test func health() async throws {
        try await withAgent { server, agents in
            #expect(await agents.health(endpoint: server.baseURL + "/ok"))
            #expect(await agents.health(endpoint: server.baseURL + "/down") == false)
            #expect(server.requests.map(\.path) == ["/ok/health", "/down/health"])
            #expect(server.requests.allSatisfy { $0.method == "GET" })
        }
    }

    @Test func cancellingTheCallerCancelsTheCall() async throws {
        try await withAgent { server, agents in
            let request = request
            let call = Task {
                try await agents.runTask(endpoint: server.baseURL + "/slow", request: request, timeout: .seconds(30))
            }
            let started = try await eventually { !server.requests.isEmpty }
            #expect(started)
            call.cancel()
            let result = await call.result
            #expect(throws: CancellationError.self) { try result.get() }
            #expect(try await eventually { server.abandonedHolds == 1 })
        }
    }

    @Test func shutDownClientReadsAsCancelled() async throws {
        let http = CurlHTTPClient()
        await http.shutdown()
        let outcome = try await AgentClient(http: http).runTask(endpoint: "http://127.0.0.1:9", request: request, timeout: .seconds(1))
        guard case .failed(let error) = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(error.kind == .cancelled)
    }
}

import AgentClient
import Domain
import Foundation
import Postgres
import SchedulerCore
import ServiceRuntime
import SundialConfig
import Synchronization
import Testing
@testable import SundialScheduler

/// A transport that answers from a script, one outcome per call.
final class ScriptedTransport: AgentTransport {
    private let script: Mutex<[AgentTaskOutcome]>
    private let calls = Mutex(0)
    let delay: Duration

    init(_ script: [AgentTaskOutcome], delay: Duration = .zero) {
        self.script = Mutex(script)
        self.delay = delay
    }

    var callCount: Int { calls.withLock { $0 } }

    func runTask(endpoint: String, request: AgentTaskRequest, timeout: Duration) async throws -> AgentTaskOutcome {
        calls.withLock { $0 += 1 }
        try await Task.sleep(for: delay)
        return script.withLock { $0.isEmpty ? .completed(AgentTaskResult(response: "ok"), httpStatus: 200) : $0.removeFirst() }
    }

    func health(endpoint: String, timeout: Duration) async -> Bool { true }
}

/// How the runner turns each agent answer into an outcome (API.md "Agent protocol").
@Suite("Agent runner outcomes", .enabled(if: TestEnvironment.available), .serialized)
struct AgentRunnerTests {
    static func runner(_ transport: any AgentTransport, pool: PostgresPool, cancellations: CancellationRegistry = CancellationRegistry()) -> AgentOccurrenceRunner {
        var runner = AgentOccurrenceRunner(
            pool: pool, transport: transport, urlTemplate: "http://agent-{name}:8000", cancellations: cancellations, logger: TestEnvironment.logger)
        runner.busyRetryDelays = [.milliseconds(20), .milliseconds(20), .milliseconds(20)]
        return runner
    }

    static func task(_ id: String = UUID().uuidString, timeout: Int = 30) -> AgentOccurrenceRunner.AgentTask {
        .init(executionID: id, agentName: "runner-test", message: "m", context: [:], model: nil, allowedTools: nil, timeoutSeconds: timeout, sessionKey: nil)
    }

    static func error(_ kind: AgentCallError.Kind, _ message: String) -> AgentTaskOutcome {
        .failed(AgentCallError(kind: kind, message: message))
    }

    func withPool(_ body: (PostgresPool) async throws -> Void) async throws {
        let config = try SchedulerConfig(environment: TestEnvironment.environment())
        let resources = try await ServiceResources.open(common: config.common, applicationName: "sundial-test", logger: TestEnvironment.logger)
        try await body(resources.pool)
        await resources.close()
    }

    @Test("429 is retried with backoff inside the attempt, then succeeds")
    func busyThenSuccess() async throws {
        try await withPool { pool in
            let transport = ScriptedTransport([Self.error(.busy(retryAfter: nil), "agent busy (429)"), Self.error(.busy(retryAfter: nil), "agent busy (429)")])
            let outcome = await Self.runner(transport, pool: pool).run(Self.task())
            #expect(outcome.status == .success)
            #expect(transport.callCount == 3)
        }
    }

    @Test("429 that never ends fails as agent busy")
    func busyForever() async throws {
        try await withPool { pool in
            let transport = ScriptedTransport(Array(repeating: Self.error(.busy(retryAfter: nil), "agent busy (429)"), count: 10))
            let outcome = await Self.runner(transport, pool: pool).run(Self.task())
            guard case .failed(let error, _) = outcome else { Issue.record("expected failure, got \(outcome)"); return }
            #expect(error.contains("agent busy"))
            #expect(transport.callCount == 4)
        }
    }

    @Test("5xx, timeout and refused fail the attempt with the agent client's message", arguments: [
        (AgentCallError.Kind.serverError(status: 503, body: "overloaded"), "agent returned HTTP 503: overloaded"),
        (.timeout, "agent timed out after 900s"),
        (.unreachable, "agent unreachable: connection refused to http://agent-x:8000/api/task"),
    ])
    func failures(kind: AgentCallError.Kind, message: String) async throws {
        try await withPool { pool in
            let outcome = await Self.runner(ScriptedTransport([Self.error(kind, message)]), pool: pool).run(Self.task())
            guard case .failed(let error, _) = outcome else { Issue.record("expected failure, got \(outcome)"); return }
            #expect(error == message)
        }
    }

    @Test("a cancel request aborts the running call")
    func cancel() async throws {
        try await withPool { pool in
            let cancellations = CancellationRegistry()
            let runner = Self.runner(ScriptedTransport([], delay: .seconds(30)), pool: pool, cancellations: cancellations)
            let id = UUID().uuidString
            let started = ContinuousClock.now
            async let outcome = runner.run(Self.task(id))
            try await Task.sleep(for: .milliseconds(200))
            cancellations.cancel(executionID: id)
            let result = await outcome
            #expect(result == .cancelled(reason: "cancelled by user"))
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test("success records response, cost, tokens, session and log; long responses are cut at 10 KB")
    func details() async throws {
        try await withPool { pool in
            let long = String(repeating: "é", count: 8000)
            let result = AgentTaskResult(
                response: long, executionLog: [["t": 1]],
                metadata: .init(costUSD: 0.25, durationMS: 10, numTurns: 2, toolCount: 3, inputTokens: 100, outputTokens: 20, contextWindow: 200_000),
                sessionID: "s-1")
            let outcome = await Self.runner(ScriptedTransport([.completed(result, httpStatus: 200)]), pool: pool).run(Self.task())
            guard case .success(let details) = outcome, case .object(let d) = details else { Issue.record("\(outcome)"); return }
            #expect(d["response_truncated"] == .bool(true))
            #expect(d["response"]?.stringValue?.utf8.count ?? 0 <= 10_240)
            #expect(d["cost"] == .double(0.25))
            #expect(d["context_used"] == .int(120))
            #expect(d["context_max"] == .int(200_000))
            #expect(d["tool_calls"] == .int(3))
            #expect(d["session_id"] == .string("s-1"))
        }
    }
}

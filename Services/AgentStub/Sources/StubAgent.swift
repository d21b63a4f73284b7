import Foundation
import Logging
import Synchronization

/// The behaviour of the reference agent, independent of HTTP so tests can drive it directly.
///
/// Message directives let tests and demos steer one task: `[fail]` answers 500,
/// `[busy]` answers 429, `[sleep:1500]` overrides the delay in milliseconds.
public final class StubAgent: Sendable {
    public struct Settings: Sendable {
        public var delay: Duration
        public var failureRate: Double
        public var maxConcurrency: Int

        public init(delay: Duration, failureRate: Double, maxConcurrency: Int) {
            self.delay = delay
            self.failureRate = failureRate
            self.maxConcurrency = maxConcurrency
        }
    }

    public struct TaskRequest: Decodable, Sendable {
        public var message: String
        public var execution_id: String?
        public var session_id: String?
        public var model: String?
        public var timeout_seconds: Int?

        public init(message: String, execution_id: String? = nil, session_id: String? = nil, model: String? = nil, timeout_seconds: Int? = nil) {
            self.message = message
            self.execution_id = execution_id
            self.session_id = session_id
            self.model = model
            self.timeout_seconds = timeout_seconds
        }
    }

    public enum Outcome: Sendable, Equatable {
        case completed(body: String)
        case busy
        case failed(status: Int, detail: String)
    }

    public struct Stats: Sendable, Equatable, Encodable {
        public var received: Int
        public var completed: Int
        public var failed: Int
        public var busy: Int
        public var in_flight: Int
        public var max_in_flight: Int
        /// Execution ids seen more than once: a scheduler that fired an occurrence twice shows up here.
        public var duplicate_execution_ids: [String]
        /// Completed turns per session id: a conversation continued by the scheduler counts up.
        public var session_turns: [String: Int] = [:]
    }

    private struct State {
        var inFlight = 0
        var stats = Stats(received: 0, completed: 0, failed: 0, busy: 0, in_flight: 0, max_in_flight: 0, duplicate_execution_ids: [])
        var seenExecutionIDs: Set<String> = []
    }

    public let settings: Settings
    private let state = Mutex(State())
    private let logger: Logger

    public init(settings: Settings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    public var stats: Stats {
        state.withLock { $0.stats }
    }

    public func handle(agent: String, request: TaskRequest) async -> Outcome {
        let admitted: Bool = state.withLock { state in
            state.stats.received += 1
            if let id = request.execution_id {
                if !state.seenExecutionIDs.insert(id).inserted { state.stats.duplicate_execution_ids.append(id) }
            }
            if state.inFlight >= settings.maxConcurrency || request.message.contains("[busy]") {
                state.stats.busy += 1
                return false
            }
            state.inFlight += 1
            state.stats.in_flight = state.inFlight
            state.stats.max_in_flight = max(state.stats.max_in_flight, state.inFlight)
            return true
        }
        guard admitted else {
            logger.info("busy: answering 429", metadata: ["agent": "\(agent)", "execution_id": "\(request.execution_id ?? "-")"])
            return .busy
        }
        defer {
            state.withLock { state in
                state.inFlight -= 1
                state.stats.in_flight = state.inFlight
            }
        }
        let started = ContinuousClock.now
        let delay = Self.directiveDelay(in: request.message) ?? settings.delay
        try? await Task.sleep(for: delay)
        let elapsed = ContinuousClock.now - started
        let durationMs = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)

        if request.message.contains("[fail]") || (settings.failureRate > 0 && Double.random(in: 0..<1) < settings.failureRate) {
            state.withLock { $0.stats.failed += 1 }
            logger.info("task failed on purpose", metadata: ["agent": "\(agent)", "execution_id": "\(request.execution_id ?? "-")"])
            return .failed(status: 500, detail: "stub agent failure (simulated)")
        }
        let session = request.session_id ?? "stub-session-\(UUID().uuidString.lowercased())"
        let turn = state.withLock { state -> Int in
            state.stats.completed += 1
            // A stub keeps what fits: forget old conversations beyond 100,000.
            if state.stats.session_turns.count >= 100_000 { state.stats.session_turns.removeAll() }
            state.stats.session_turns[session, default: 0] += 1
            return state.stats.session_turns[session] ?? 1
        }
        let body = Self.responseJSON(agent: agent, request: request, session: session, turn: turn, durationMs: durationMs)
        logger.info("task completed", metadata: ["agent": "\(agent)", "execution_id": "\(request.execution_id ?? "-")", "duration_ms": "\(durationMs)"])
        return .completed(body: body)
    }

    static func directiveDelay(in message: String) -> Duration? {
        guard let start = message.range(of: "[sleep:") else { return nil }
        let rest = message[start.upperBound...]
        guard let end = rest.firstIndex(of: "]"), let ms = Int(rest[..<end]), ms >= 0 else { return nil }
        return .milliseconds(ms)
    }

    /// The answer; a continued session (turn 2 and later) says which turn it is.
    static func responseJSON(agent: String, request: TaskRequest, session: String, turn: Int = 1, durationMs: Int) -> String {
        let reply: [String: Any] = [
            "response": "[\(agent)] done: \(request.message)" + (turn > 1 ? " (turn \(turn) of this session)" : ""),
            "execution_log": [
                ["type": "user", "content": request.message],
                ["type": "assistant", "content": "done"],
            ],
            "metadata": [
                "cost_usd": 0.0012,
                "duration_ms": durationMs,
                "num_turns": turn,
                "tool_count": 0,
                "input_tokens": request.message.utf8.count / 4 + 1,
                "output_tokens": 8,
                "context_window": 200_000,
            ],
            "session_id": session,
            "timestamp": ISO8601DateFormatter().string(from: Date()),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: reply, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

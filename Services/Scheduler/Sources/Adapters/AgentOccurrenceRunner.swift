import AgentClient
import Domain
import Foundation
import Logging
import Metrics
import Postgres
import SchedulerCore
import SundialConfig

/// Runs one attempt against the agent container: resolves the endpoint, expands the message
/// template in the schedule's zone, calls `POST {agent}/api/task` with the schedule's timeout,
/// backs off and retries while the agent answers 429 (within the same attempt), and turns the
/// answer into the details the store records. A cancel request aborts the call.
struct AgentOccurrenceRunner: OccurrenceRunner {
    let pool: PostgresPool
    let transport: any AgentTransport
    let urlTemplate: String
    let cancellations: CancellationRegistry
    let logger: Logger
    /// Agents' endpoints, read at most every few seconds per agent (an edit is seen within that).
    let endpoints = AgentEndpointCache(lifetime: .seconds(5))
    var busyRetryDelays: [Duration] = [.seconds(1), .seconds(2), .seconds(4), .seconds(8)]

    func run(_ definition: ScheduleDefinition, executionID: String, scheduledFor: Date, attempt: Int) async -> RunOutcome {
        let timeZone = TimeZone(identifier: definition.timezone) ?? .gmt
        // Only a message that asks for it costs a read.
        let lastRunAt = !definition.message.contains("last_run_at") ? nil
            : try? await pool.queryFirst("SELECT last_run_at FROM schedules WHERE id = $1", .uuid(UUID(uuidString: definition.id) ?? UUID()))?
                .decodeIfPresent(Date.self, at: "last_run_at")
        let message = MessageTemplate.expand(definition.message, .init(
            firedAt: scheduledFor, timeZone: timeZone, scheduleName: definition.name, agentName: definition.agentName, lastRunAt: lastRunAt ?? nil))
        let task = AgentTask(
            executionID: executionID, agentName: definition.agentName, message: message, context: definition.context,
            model: definition.model, allowedTools: definition.allowedTools, timeoutSeconds: definition.timeoutSeconds, sessionKey: nil)
        return await run(task)
    }

    /// What one agent call needs (scheduled occurrences and queued manual/ad-hoc runs alike).
    struct AgentTask: Sendable {
        var executionID: String
        var agentName: String
        var message: String
        var context: JSONValue
        var model: String?
        var allowedTools: [String]?
        var timeoutSeconds: Int
        var sessionKey: String?
    }

    func run(_ task: AgentTask) async -> RunOutcome {
        defer { cancellations.finished(executionID: task.executionID) }
        let endpoint: String
        do {
            endpoint = try await self.endpoint(agent: task.agentName)
        } catch {
            return .failed(error: "cannot resolve the agent's endpoint: \(error)", details: ["message": .string(task.message)])
        }
        let started = ContinuousClock.now
        // The agent call races a cancel request; the first to finish decides. The waiter is
        // released by `finished` (it does not react to task cancellation by itself), so the group
        // always ends, also when this task is cancelled (shutdown).
        let outcome = await withTaskGroup(of: RunOutcome?.self) { group -> RunOutcome in
            group.addTask { await callWithBusyRetries(task, endpoint: endpoint) }
            group.addTask {
                await cancellations.cancelled(executionID: task.executionID)
                return Task.isCancelled ? nil : .cancelled(reason: "cancelled by user")
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            cancellations.finished(executionID: task.executionID)
            return first ?? .cancelled(reason: "scheduler shutting down")
        }
        let elapsed = ContinuousClock.now - started
        Timer(label: "sundial_agent_call_seconds", dimensions: [("status", outcome.status.rawValue)])
            .recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        Counter(label: "sundial_executions_total", dimensions: [("status", outcome.status.rawValue)]).increment()
        return outcome
    }

    private func callWithBusyRetries(_ task: AgentTask, endpoint: String) async -> RunOutcome? {
        // A conversation (session_key) continues the agent session of its previous turn.
        let session = try? await SessionGate.sessionToContinue(pool, executionID: task.executionID)
        let request = AgentTaskRequest(
            message: task.message, context: task.context, model: task.model, allowedTools: task.allowedTools,
            timeoutSeconds: task.timeoutSeconds, executionID: task.executionID, sessionID: session ?? nil)
        let deadline = ContinuousClock.now + .seconds(task.timeoutSeconds)
        var busyAttempt = 0
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else {
                return .failed(error: "agent timed out after \(task.timeoutSeconds)s", details: ["message": .string(task.message)])
            }
            let outcome: AgentTaskOutcome
            do {
                outcome = try await transport.runTask(endpoint: endpoint, request: request, timeout: remaining)
            } catch {
                return Task.isCancelled ? nil : .failed(error: "agent call failed: \(error)", details: ["message": .string(task.message)])
            }
            switch outcome {
            case .completed(let result, _):
                return .success(details: Self.details(result, task: task))
            case .failed(let error) where error.isBusy && busyAttempt < busyRetryDelays.count:
                var delay = busyRetryDelays[busyAttempt]
                if case .busy(let retryAfter?) = error.kind { delay = min(max(retryAfter, .milliseconds(100)), .seconds(30)) }
                busyAttempt += 1
                logger.info("agent busy; retrying", metadata: ["execution_id": "\(task.executionID)", "agent": "\(task.agentName)", "retry_in": "\(delay)"])
                guard ContinuousClock.now + delay < deadline else {
                    return .failed(error: "agent busy: still answering 429 when the \(task.timeoutSeconds)s timeout ran out", details: ["message": .string(task.message)])
                }
                do { try await Task.sleep(for: delay) } catch { return nil }
            case .failed(let error) where error.isBusy:
                return .failed(error: "agent busy: answered 429 \(busyAttempt + 1) times", details: ["message": .string(task.message)])
            case .failed(let error):
                return .failed(error: error.message, details: ["message": .string(task.message)])
            }
        }
    }

    static func details(_ result: AgentTaskResult, task: AgentTask) -> JSONValue {
        let (text, truncated) = ResponseTruncation.truncate(result.response, maxBytes: ResponseTruncation.storedResponseLimit)
        var details: [String: JSONValue] = [
            "response": .string(text), "response_truncated": .bool(truncated), "message": .string(task.message),
        ]
        if let log = result.executionLog { details["execution_log"] = log }
        if let session = result.sessionID { details["session_id"] = .string(session) }
        if let metadata = result.metadata {
            if let cost = metadata.costUSD { details["cost"] = .double(cost) }
            if let window = metadata.contextWindow { details["context_max"] = .int(window) }
            let used = (metadata.inputTokens ?? 0) + (metadata.outputTokens ?? 0)
            if metadata.inputTokens != nil || metadata.outputTokens != nil { details["context_used"] = .int(used) }
            if let tools = metadata.toolCount { details["tool_calls"] = .int(tools) }
        }
        return .object(details)
    }

    private func endpoint(agent: String) async throws -> String {
        if let cached = endpoints.lookup(agent) { return cached }
        let row = try await pool.queryFirst("SELECT endpoint_url FROM agents WHERE name = $1", .text(agent))
        let url = try row?.decodeIfPresent(String.self, at: "endpoint_url") ?? AgentURLTemplate.expand(urlTemplate, name: agent)
        endpoints.store(url, for: agent)
        return url
    }
}

import APISupport
import Cron
import Domain
import Foundation
import Hummingbird

/// `POST /api/agents/{name}/task`: an ad-hoc run without a schedule. The API queues it (the
/// scheduler runs it, under the agent's concurrency limit) and either waits for the result
/// (default) or answers at once (`"async": true` → 202 pending; Trinity's `"async_mode": true`
/// → 200 accepted). The run never depends on the HTTP connection that asked for it.
struct TaskRoutes {
    let agents: AgentRoutes
    let executions: ExecutionRepository
    let presence: SchedulerPresence
    let quotas: Quotas

    func add(to api: RouterGroup<APIRequestContext>) {
        api.post("agents/:name/task") { request, context in try await runTask(request, context) }
    }

    struct Accepted: Encodable {
        var execution_id: String
        var status: String
        var agent_name: String
        var async_mode: Bool?
        var message: String
    }

    struct Metadata: Encodable {
        var cost_usd: Double?
        var duration_ms: Int?
        var tool_count: Int?
        var context_window: Int?
        var context_used: Int?
    }

    /// The finished run: Sundial's execution fields plus the agent-protocol shape
    /// (`response`, `session_id`, `timestamp`, `metadata`, `execution_log`).
    struct Result: Encodable {
        var execution_id: String
        var agent_name: String
        var status: ExecutionStatus
        var response: String?
        var error: String?
        var duration_ms: Int?
        var cost: Double?
        var session_id: String?
        var context_used: Int?
        var context_max: Int?
        var tool_calls: Int?
        var model_used: String?
        var triggered_by: TriggeredBy
        var timestamp: String?
        var metadata: Metadata
        var execution_log: JSONValue

        init(_ e: Execution) {
            execution_id = e.id
            agent_name = e.agentName
            status = e.status
            response = e.response
            error = e.error
            duration_ms = e.durationMs
            cost = e.cost
            session_id = e.sessionID
            context_used = e.contextUsed
            context_max = e.contextMax
            tool_calls = e.toolCalls
            model_used = e.modelUsed
            triggered_by = e.triggeredBy
            timestamp = (e.completedAt ?? e.startedAt).map(InstantFormat.stringWithMilliseconds)
            metadata = Metadata(cost_usd: e.cost, duration_ms: e.durationMs, tool_count: e.toolCalls, context_window: e.contextMax, context_used: e.contextUsed)
            if case .array? = e.executionLog { execution_log = e.executionLog! } else { execution_log = .array([]) }
        }
    }

    private func runTask(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let agent = try await agents.visibleAgent(context)
        var body = try await JSONBody.read(request, context: context)
        let input = try TaskInput(&body)
        // Other keys (Trinity clients send save_to_session, parallel, …) are accepted and ignored.
        let source = request.headers[.init("X-Source-Agent")!].flatMap { $0.isEmpty ? nil : $0 }
        let execution = try await enqueue(input, agent: agent, source: source, context: context)
        let poll = "Poll GET /api/agents/\(agent.name)/executions/\(execution.id) for its status"
        if input.asyncMode {
            return try JSONText.response(Accepted(execution_id: execution.id, status: "accepted", agent_name: agent.name, async_mode: true, message: "Task accepted. \(poll)"))
        }
        if input.async {
            return try JSONText.response(Accepted(execution_id: execution.id, status: "pending", agent_name: agent.name, message: "Task queued. \(poll)"), status: .accepted)
        }
        guard let finished = try await executions.waitForCompletion(agent: agent.name, id: execution.id, timeout: .seconds(input.timeout + 30)) else {
            throw APIError(.gatewayTimeout, "The task is still running after \(input.timeout)s; \(poll)", code: "task_timeout")
        }
        return try JSONText.response(Result(finished))
    }

    /// Queues a task for the scheduler (the agent must be running and a scheduler alive).
    func enqueue(_ input: TaskInput, agent: AgentRecord, source: String?, context: APIRequestContext) async throws -> Execution {
        guard agent.enabled else {
            throw APIError(.serviceUnavailable, "Agent is not running (stopped); start it first", code: "agent_stopped", headers: [.retryAfter: "5"])
        }
        guard await presence.anyAlive() else {
            throw APIError(.serviceUnavailable, "No scheduler is running; start sundial-scheduler and retry", code: "scheduler_unavailable", headers: [.retryAfter: "5"])
        }
        try await quotas.checkActiveExecutions(agent: agent.name, try context.requireIdentity())
        let execution = try await executions.insertPending(
            scheduleID: nil, agent: agent.name, triggeredBy: source == nil ? .manual : .agent, message: input.message, context: input.context,
            model: input.model, timeoutSeconds: input.timeout, allowedTools: input.tools, sourceAgent: source, sessionKey: input.sessionKey)
        context.logger.info("task queued", metadata: ["execution_id": "\(execution.id)", "agent": "\(agent.name)", "async": "\(input.async || input.asyncMode)"])
        return execution
    }
}

/// The fields of a task request (`POST /api/agents/{name}/task`, `POST /api/tasks`).
struct TaskInput: Sendable {
    var message: String
    var context: [String: JSONValue]
    var model: String?
    var timeout: Int
    var tools: [String]?
    var async: Bool
    var asyncMode: Bool
    var sessionKey: String?

    init(_ body: inout FieldReader) throws {
        message = try body.required("message", .string)
        guard (1...100_000).contains(message.count) else {
            throw APIError.badRequest("message: must be 1-100000 characters long, got \(message.count)")
        }
        if case .object(let members)? = try body.optional("context", .jsonObject) { context = members } else { context = [:] }
        model = try body.optional("model", .string)
        timeout = try body.optional("timeout_seconds", .int) ?? 900
        guard (1...7200).contains(timeout) else {
            throw APIError.badRequest("timeout_seconds: must be between 1 and 7200, got \(timeout)")
        }
        tools = try body.optional("allowed_tools", .stringArray)
        async = try body.optional("async", .bool) ?? false
        asyncMode = try body.optional("async_mode", .bool) ?? false
        sessionKey = try body.optional("session_key", .string)
        if let sessionKey, !(1...200).contains(sessionKey.count) {
            throw APIError.badRequest("session_key: must be 1-200 characters long, got \(sessionKey.count)")
        }
    }
}

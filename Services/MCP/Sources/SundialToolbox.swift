import Domain
import Foundation
import Logging
import MCP
import SundialClient

/// Runs the tools of ``ToolCatalog`` against the public REST API with one caller's key.
/// Every outcome is a tool result: API refusals and bad arguments are `isError` results whose
/// text says what was wrong (the API's `detail` verbatim), never protocol errors.
struct SundialToolbox: Sendable {
    let client: SundialAPIClient
    let identity: CallerIdentity
    let logger: Logger
    let now: @Sendable () -> Date

    init(client: SundialAPIClient, identity: CallerIdentity, logger: Logger, now: @escaping @Sendable () -> Date = Date.init) {
        self.client = client
        self.identity = identity
        self.logger = logger
        self.now = now
    }

    func call(_ name: String, arguments: [String: Value]?) async -> CallTool.Result {
        guard let tool = ToolCatalog.Name(rawValue: name) else {
            return Self.failure("unknown tool \"\(name)\"; available: \(ToolCatalog.Name.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let args = ToolArguments((arguments ?? [:]).mapValues(ValueBridge.json))
        do {
            try args.rejectUnknown(allowed: ToolCatalog.allowedArguments(tool))
            let result = try await run(tool, args)
            let structured: Value? = ValueBridge.value(result)
            return CallTool.Result(content: [.text(text: JSONText.pretty(result), annotations: nil, _meta: nil)], structuredContent: structured)
        } catch let failure as ToolFailure {
            logger.debug("tool refused", metadata: ["tool": "\(name)", "reason": "\(failure.message)"])
            return Self.failure(failure.message)
        } catch let error as SundialClientError {
            logger.debug("tool failed", metadata: ["tool": "\(name)", "error": "\(error)"])
            return Self.failure(Self.explain(error))
        } catch {
            logger.warning("tool failed unexpectedly", metadata: ["tool": "\(name)", "error": "\(error)"])
            return Self.failure("\(name) failed: \(error)")
        }
    }

    static func failure(_ message: String) -> CallTool.Result {
        CallTool.Result(content: [.text(text: message, annotations: nil, _meta: nil)], isError: true)
    }

    /// The API's answer with a word on what to do about it.
    static func explain(_ error: SundialClientError) -> String {
        switch error.kind {
        case .unauthorized: "the Sundial API refused the API key (\(error)); check SUNDIAL_API_KEY or the bearer token"
        case .forbidden: "not allowed: \(error)"
        case .notFound: "not found: \(error)"
        case .invalidInput: "rejected by the API: \(error)"
        case .conflict: "conflict: \(error)"
        case .unavailable: "Sundial is unavailable, try again shortly: \(error)"
        case .notLoggedIn, .server, .invalidResponse: "Sundial API error: \(error)"
        }
    }

    // MARK: Tools

    private func run(_ tool: ToolCatalog.Name, _ args: ToolArguments) async throws -> JSONValue {
        switch tool {
        case .listAgentSchedules:
            let enabled: Bool? = args.values["enabled"] == nil || args.values["enabled"] == .null ? nil : try args.bool("enabled")
            let schedules: [ScheduleInfo]
            if let agent = try await optionalAgentName(args) {
                schedules = try await client.schedules(agent: agent).filter { enabled == nil || $0.enabled == enabled }
            } else {
                schedules = try await client.allSchedules(enabled: enabled)
            }
            return ["count": .int(schedules.count), "schedules": .array(schedules.map(\.json))]
        case .createAgentSchedule:
            let agent = try await agentName(args)
            let fields = args.values.filter { $0.key != "agent_name" }
            return try await client.createSchedule(agent: agent, fields: fields).json
        case .getAgentSchedule:
            return try await client.schedule(agent: try await agentName(args), id: try args.string("schedule_id")).json
        case .updateAgentSchedule:
            let agent = try await agentName(args)
            let id = try args.string("schedule_id")
            let fields = args.values.filter { $0.key != "agent_name" && $0.key != "schedule_id" }
            guard !fields.isEmpty else { throw ToolFailure("nothing to update: give at least one field (name, message, cron_expression, enabled, …)") }
            return try await client.updateSchedule(agent: agent, id: id, fields: fields).json
        case .deleteAgentSchedule:
            let agent = try await agentName(args)
            let id = try args.string("schedule_id")
            try await client.deleteSchedule(agent: agent, id: id)
            return ["status": "deleted", "schedule_id": .string(id), "agent_name": .string(agent)]
        case .toggleAgentSchedule:
            let agent = try await agentName(args)
            let enabled = try args.bool("enabled")
            return try await client.setScheduleEnabled(agent: agent, id: try args.string("schedule_id"), enabled: enabled).json
        case .triggerAgentSchedule:
            return try await client.triggerSchedule(agent: try await agentName(args), id: try args.string("schedule_id")).json
        case .getScheduleExecutions:
            let agent = try await agentName(args)
            let limit = try args.optionalInt("limit", in: 1...100) ?? 20
            let executions = try await client.scheduleExecutions(agent: agent, id: try args.string("schedule_id"), limit: limit)
            return ["count": .int(executions.count), "executions": .array(executions.map(\.json))]
        case .scheduleTask:
            let agent = try await agentName(args)
            let plan = try ScheduleTaskPlan(args, now: now())
            let schedule = try await client.createSchedule(agent: agent, fields: plan.fields)
            logger.info("task scheduled", metadata: ["agent": "\(agent)", "schedule_id": "\(schedule.id)", "kind": "\(plan.kind.rawValue)"])
            return [
                "task_id": .string(schedule.id), "agent_name": .string(agent), "kind": .string(plan.kind.rawValue),
                "next_run_at": schedule.nextRunAt.map(JSONValue.string) ?? .null, "timezone": .string(schedule.timezone),
                "schedule": schedule.json,
            ]
        case .cancelScheduledTask:
            return try await cancelTask(agent: try await agentName(args), id: try args.string("task_id"))
        }
    }

    /// Deletes the schedule so it never fires again and cancels its pending or running runs;
    /// a one-time task that already ran is reported and left alone.
    private func cancelTask(agent: String, id: String) async throws -> JSONValue {
        let schedule: ScheduleInfo
        do {
            schedule = try await client.schedule(agent: agent, id: id)
        } catch let error as SundialClientError where error.kind == .notFound {
            throw ToolFailure("task_id: no task \"\(id)\" for agent \"\(agent)\" (\(error)); it may have been cancelled already")
        }
        let active = try await client.scheduleExecutions(agent: agent, id: id, limit: 50).filter { !$0.isFinished }
        if schedule.status == "completed", active.isEmpty {
            return ["status": "already_finished", "task_id": .string(id), "agent_name": .string(agent), "last_run_at": schedule.lastRunAt.map(JSONValue.string) ?? .null]
        }
        try await client.deleteSchedule(agent: agent, id: id)
        var cancelled: [JSONValue] = []
        for execution in active {
            let answer = try await client.cancelExecution(agent: agent, id: execution.id)
            if answer.status != "already_finished" { cancelled.append(.string(execution.id)) }
        }
        logger.info("task cancelled", metadata: ["agent": "\(agent)", "schedule_id": "\(id)", "runs_cancelled": "\(cancelled.count)"])
        return ["status": "cancelled", "task_id": .string(id), "agent_name": .string(agent), "cancelled_executions": .array(cancelled)]
    }

    /// The agent a call acts on: `agent_name`, or the key's own agent. An agent-scoped key
    /// naming another agent is refused here with a clear message (the API would answer 404).
    private func agentName(_ args: ToolArguments) async throws -> String {
        guard let agent = try await optionalAgentName(args) else {
            throw ToolFailure("agent_name: required (this API key is a user key, not bound to one agent)")
        }
        return agent
    }

    /// `agent_name` or the key's own agent; nil for a user key that names none.
    private func optionalAgentName(_ args: ToolArguments) async throws -> String? {
        let given = try args.optionalString("agent_name")
        guard let bound = try await identity.resolve().agentScope else { return given }
        if let given, given != bound {
            throw ToolFailure("agent_name: this API key belongs to agent \"\(bound)\" and may only act on it, not on \"\(given)\"")
        }
        return bound
    }
}

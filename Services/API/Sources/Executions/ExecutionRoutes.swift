import APISupport
import Cron
import Domain
import Foundation
import Hummingbird

/// Executions: per schedule, per agent, one with its log, running ones, cancel/terminate,
/// manual trigger, and the cross-agent history `GET /api/executions`.
struct ExecutionRoutes {
    let agents: AgentRoutes
    let schedules: ScheduleRoutes
    let agentRepository: AgentRepository
    let executions: ExecutionRepository
    let presence: SchedulerPresence
    let quotas: Quotas

    func add(to api: RouterGroup<APIRequestContext>) {
        api.get("agents/:name/schedules/:id/executions") { request, context in
            let (_, schedule) = try await schedules.visibleSchedule(context)
            var filter = ExecutionRepository.Filter()
            filter.scheduleID = UUID(uuidString: schedule.id)
            filter.limit = try ListQuery(request).limit()
            filter.statuses = try ListQuery(request).statuses()
            return try JSONText.response(try await executions.list(filter).executions)
        }
        api.post("agents/:name/schedules/:id/trigger") { _, context in try await trigger(context) }
        api.get("agents/:name/executions") { request, context in
            let agent = try await agents.visibleAgent(context)
            return try await page(request, agents: [agent.name])
        }
        api.get("agents/:name/executions/running") { _, context in
            let agent = try await agents.visibleAgent(context)
            return try JSONText.response(RunningAnswer(executions: try await executions.running(agent: agent.name).map(RunningItem.init)))
        }
        api.get("agents/:name/executions/:execution_id") { _, context in
            try JSONText.response(try await execution(context))
        }
        api.get("agents/:name/executions/:execution_id/log") { _, context in
            let execution = try await execution(context)
            return try JSONText.response(LogAnswer(execution))
        }
        api.post("agents/:name/executions/:execution_id/cancel") { _, context in try await cancel(context, verb: "cancelled") }
        api.post("agents/:name/executions/:execution_id/terminate") { _, context in try await cancel(context, verb: "terminated") }
        api.get("executions") { request, context in
            let names = try await agentRepository.visibleNames(for: try context.requireIdentity(), filter: ListQuery(request).string("agent"))
            return try await page(request, agents: names)
        }
    }

    struct RunningItem: Encodable {
        var execution_id: String
        var id: String
        var schedule_id: String?
        var status: ExecutionStatus
        var triggered_by: TriggeredBy
        var started_at: String?
        var message: String
        var metadata: [String: String]

        init(_ execution: Execution) {
            execution_id = execution.id
            id = execution.id
            schedule_id = execution.scheduleID
            status = execution.status
            triggered_by = execution.triggeredBy
            started_at = execution.startedAt.map(InstantFormat.stringWithMilliseconds)
            message = execution.message
            metadata = ["worker_id": execution.workerID ?? "", "agent_name": execution.agentName]
        }

        enum CodingKeys: String, CodingKey {
            case execution_id, id, schedule_id, status, triggered_by, started_at, message, metadata
        }

        /// Writes `null` for absent values (clients index these keys directly).
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(execution_id, forKey: .execution_id)
            try c.encode(id, forKey: .id)
            try c.encode(schedule_id, forKey: .schedule_id)
            try c.encode(status, forKey: .status)
            try c.encode(triggered_by, forKey: .triggered_by)
            try c.encode(started_at, forKey: .started_at)
            try c.encode(message, forKey: .message)
            try c.encode(metadata, forKey: .metadata)
        }
    }

    struct RunningAnswer: Encodable {
        var executions: [RunningItem]
    }

    struct LogAnswer: Encodable {
        var execution_id: String
        var agent_name: String
        var has_log: Bool
        var log: JSONValue?
        var started_at: String?
        var status: ExecutionStatus
        var message: String?

        init(_ execution: Execution) {
            execution_id = execution.id
            agent_name = execution.agentName
            let present = execution.executionLog.map { $0 != .null } ?? false
            has_log = present
            log = present ? execution.executionLog : nil
            started_at = execution.startedAt.map(InstantFormat.stringWithMilliseconds)
            status = execution.status
            message = present ? nil : "No execution log recorded for this execution"
        }

        enum CodingKeys: String, CodingKey {
            case execution_id, agent_name, has_log, log, started_at, status, message
        }

        /// `log` and `started_at` are always present (`null` when absent); `message` only without a log.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(execution_id, forKey: .execution_id)
            try c.encode(agent_name, forKey: .agent_name)
            try c.encode(has_log, forKey: .has_log)
            try c.encode(log, forKey: .log)
            try c.encode(started_at, forKey: .started_at)
            try c.encode(status, forKey: .status)
            try c.encodeIfPresent(message, forKey: .message)
        }
    }

    struct CancelAnswer: Encodable {
        var status: String
        var execution_id: String
        var execution_status: ExecutionStatus
    }

    struct TriggerAnswer: Encodable {
        var status = "triggered"
        var schedule_id: String
        var schedule_name: String
        var agent_name: String
        var execution_id: String
        var message = "Execution queued; a scheduler replica starts it now"
    }

    private func page(_ request: Request, agents names: [String]?) async throws -> Response {
        let query = ListQuery(request)
        var filter = ExecutionRepository.Filter()
        filter.agents = names
        filter.limit = try query.limit()
        filter.statuses = try query.statuses()
        filter.from = try query.instant("from")
        filter.to = try query.instant("to")
        if let id = query.string("schedule_id") {
            guard let uuid = UUID(uuidString: id) else { return try JSONText.response([Execution]()) }
            filter.scheduleID = uuid
        }
        if let token = query.string("cursor") {
            guard let cursor = ExecutionRepository.Cursor(token: token) else {
                throw APIError.badRequest("cursor: not a cursor this API returned")
            }
            filter.cursor = cursor
        }
        let (items, next) = try await executions.list(filter)
        var response = try JSONText.response(items)
        if let next { response.headers[.init("X-Next-Cursor")!] = next.token }
        return response
    }

    private func execution(_ context: APIRequestContext) async throws -> Execution {
        let agent = try await agents.visibleAgent(context)
        guard let execution = try await executions.find(agent: agent.name, id: context.parameters.get("execution_id") ?? "") else {
            throw APIError.notFound("Execution not found")
        }
        return execution
    }

    private func cancel(_ context: APIRequestContext, verb: String) async throws -> Response {
        let agent = try await agents.visibleAgent(context)
        switch try await executions.cancel(agent: agent.name, id: context.parameters.get("execution_id") ?? "") {
        case .notFound:
            throw APIError.notFound("Execution not found")
        case .cancelled(let execution):
            context.logger.info("execution cancelled", metadata: ["execution_id": "\(execution.id)"])
            return try JSONText.response(CancelAnswer(status: verb, execution_id: execution.id, execution_status: execution.status))
        case .alreadyFinished(let execution):
            return try JSONText.response(CancelAnswer(status: "already_finished", execution_id: execution.id, execution_status: execution.status))
        }
    }

    /// Runs the schedule now (`triggered_by: manual`), whether or not it is enabled. A refused
    /// trigger records nothing.
    private func trigger(_ context: APIRequestContext) async throws -> Response {
        let (agent, schedule) = try await schedules.visibleSchedule(context)
        guard await presence.anyAlive() else {
            throw APIError(.serviceUnavailable, "No scheduler is running; start sundial-scheduler and retry", code: "scheduler_unavailable", headers: [.retryAfter: "5"])
        }
        try await quotas.checkActiveExecutions(agent: agent.name, try context.requireIdentity())
        if schedule.overlap != .allow, try await executions.isActive(scheduleID: schedule.id) {
            throw APIError.conflict("An execution of this schedule is already running (overlap policy \"\(schedule.overlap.rawValue)\")", code: "execution_running")
        }
        let execution = try await executions.insertPending(
            scheduleID: schedule.id, agent: agent.name, triggeredBy: .manual, message: schedule.message, context: schedule.context,
            model: schedule.model)
        context.logger.info("schedule triggered", metadata: ["schedule_id": "\(schedule.id)", "execution_id": "\(execution.id)"])
        return try JSONText.response(TriggerAnswer(schedule_id: schedule.id, schedule_name: schedule.name, agent_name: agent.name, execution_id: execution.id))
    }
}


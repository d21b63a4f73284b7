import APISupport
import Cron
import Domain
import Foundation
import Hummingbird

/// `/api/agents/{name}/schedules…`: create, list, get, partial update, delete, enable/disable.
struct ScheduleRoutes {
    let agents: AgentRoutes
    let schedules: ScheduleRepository
    let now: @Sendable () -> Date
    let quotas: Quotas

    func add(to api: RouterGroup<APIRequestContext>) {
        api.post("agents/:name/schedules") { request, context in try await create(request, context) }
        api.get("agents/:name/schedules") { request, context in
            let agent = try await agents.visibleAgent(context)
            let statuses = try ListQuery(request).scheduleStatuses()
            let list = try await schedules.list(agent: agent.name)
            return try JSONText.response(statuses.isEmpty ? list : list.filter { statuses.contains($0.status) })
        }
        api.get("agents/:name/schedules/:id") { _, context in
            let identity = try context.requireIdentity()
            if let schedule = try await schedules.findVisible(
                agent: context.parameters.get("name") ?? "", id: context.parameters.get("id") ?? "", for: identity)
            {
                return try JSONText.response(schedule)
            }
            // Not found: the two-step lookup names what is missing (agent or schedule).
            return try JSONText.response(try await visibleSchedule(context).schedule)
        }
        api.put("agents/:name/schedules/:id") { request, context in try await update(request, context) }
        api.delete("agents/:name/schedules/:id") { _, context -> Response in
            let (_, schedule) = try await changeableSchedule(context)
            try await schedules.delete(agent: schedule.agentName, id: schedule.id)
            context.logger.info("schedule deleted", metadata: ["schedule_id": "\(schedule.id)", "agent": "\(schedule.agentName)"])
            return Response(status: .noContent)
        }
        api.post("agents/:name/schedules/:id/enable") { _, context in try await setEnabled(true, context) }
        api.post("agents/:name/schedules/:id/disable") { _, context in try await setEnabled(false, context) }
    }

    struct ToggleAnswer: Encodable {
        var status: String
        var schedule_id: String
        var enabled: Bool
        var next_run_at: String?

        enum CodingKeys: String, CodingKey { case status, schedule_id, enabled, next_run_at }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(status, forKey: .status)
            try c.encode(schedule_id, forKey: .schedule_id)
            try c.encode(enabled, forKey: .enabled)
            try c.encode(next_run_at, forKey: .next_run_at)
        }
    }

    private func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let agent = try await agents.visibleAgent(context)
        var body = try await JSONBody.read(request, context: context)
        let schedule = try await create(&body, agent: agent, context: context)
        return try JSONText.response(schedule, status: .created)
    }

    /// Validates a create body and stores the schedule for `agent` (also used by make-repeatable).
    func create(_ body: inout FieldReader, agent: AgentRecord, context: APIRequestContext) async throws -> Schedule {
        let identity = try context.requireIdentity()
        var fields = ScheduleFields()
        try fields.apply(&body, isCreate: true)
        let now = now()
        let trigger = try fields.validated(now: now)
        if fields.trigger == .interval, fields.startAt == nil { fields.startAt = now }
        if case .once(let at) = trigger, at < now.addingTimeInterval(-Double(fields.misfireGraceSeconds)) {
            throw APIError.badRequest("run_at: \(InstantFormat.string(at)) is in the past")
        }
        try await quotas.checkSchedules(identity)
        let schedule = try await schedules.insert(
            agent: agent.name, owner: identity.userID, fields: fields, nextRunAt: fields.nextRun(trigger: trigger, now: now))
        context.logger.info(
            "schedule created",
            metadata: ["schedule_id": "\(schedule.id)", "agent": "\(agent.name)", "next_run_at": "\(schedule.nextRunAt.map(InstantFormat.string) ?? "-")"])
        return schedule
    }

    private func update(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let (_, current) = try await changeableSchedule(context)
        var body = try await JSONBody.read(request, context: context, allowEmpty: true)
        var fields = ScheduleFields(current)
        try fields.apply(&body, isCreate: false)
        let now = now()
        let trigger = try fields.validated(now: now)
        if fields.trigger == .interval, fields.startAt == nil { fields.startAt = current.createdAt }
        let next = fields.nextRun(trigger: trigger, now: now, lastRunAt: fields.trigger == .once && fields.runAt == current.runAt ? current.lastRunAt : nil)
        guard let updated = try await schedules.update(current, fields: fields, nextRunAt: next) else {
            throw APIError.notFound("Schedule not found")
        }
        context.logger.info("schedule updated", metadata: ["schedule_id": "\(updated.id)", "revision": "\(updated.revision)"])
        return try JSONText.response(updated)
    }

    private func setEnabled(_ enabled: Bool, _ context: APIRequestContext) async throws -> Response {
        let (_, current) = try await changeableSchedule(context)
        var fields = ScheduleFields(current)
        fields.enabled = enabled
        let now = now()
        let trigger = try fields.validated(now: now)
        let next = fields.nextRun(trigger: trigger, now: now, lastRunAt: current.lastRunAt)
        guard let updated = try await schedules.update(current, fields: fields, nextRunAt: next) else {
            throw APIError.notFound("Schedule not found")
        }
        context.logger.info(enabled ? "schedule enabled" : "schedule disabled", metadata: ["schedule_id": "\(updated.id)"])
        return try JSONText.response(ToggleAnswer(
            status: enabled ? "enabled" : "disabled", schedule_id: updated.id, enabled: updated.enabled,
            next_run_at: updated.nextRunAt.map(InstantFormat.string)))
    }

    /// The schedule in the path, under an agent the caller may see; 404 otherwise.
    func visibleSchedule(_ context: APIRequestContext) async throws -> (agent: AgentRecord, schedule: Schedule) {
        let agent = try await agents.visibleAgent(context)
        guard let schedule = try await schedules.find(agent: agent.name, id: context.parameters.get("id") ?? "") else {
            throw APIError.notFound("Schedule not found")
        }
        return (agent, schedule)
    }

    /// Update and delete need the schedule's owner, an admin, or the agent's own key.
    func changeableSchedule(_ context: APIRequestContext) async throws -> (agent: AgentRecord, schedule: Schedule) {
        let found = try await visibleSchedule(context)
        let identity = try context.requireIdentity()
        let allowed = identity.isAdmin || identity.agentScope == found.agent.name
            || (identity.agentScope == nil && found.schedule.owner == identity.username)
        guard allowed else { throw APIError.forbidden("Only the schedule's owner or an admin may change it") }
        return found
    }
}

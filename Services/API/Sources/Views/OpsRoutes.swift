import APISupport
import Cron
import Domain
import Foundation
import Hummingbird
import Postgres

/// Operations views: the scheduler replicas' status, the fleet's schedules, and fleet-wide
/// pause/resume (`?agent_name=` narrows them). Admins act on every agent; users on their own.
struct OpsRoutes {
    let pool: PostgresPool
    let agents: AgentRepository
    let schedules: ScheduleRepository
    let presence: SchedulerPresence
    let now: @Sendable () -> Date
    let activities: ActivityLog

    static let operatorPause = "paused by operator"

    struct Replica: Codable {
        var worker_id: String
        var started_at: String?
        var last_sync_at: String?
        var last_heartbeat_at: String?
        var schedules_loaded: Int?
        var running_executions: Int?
        var invalid_schedules: Int?
    }

    struct SchedulerStatusAnswer: Encodable {
        var running: Bool
        var job_count: Int
        var replicas: [Replica]
    }

    struct Summary: Encodable {
        var total: Int
        var enabled: Int
        var disabled: Int
        var agents_with_schedules: Int
    }

    struct OpsSchedules: Encodable {
        var timestamp: String
        var summary: Summary
        var schedules: [Schedule]
    }

    struct ToggleAnswer: Encodable {
        var success = true
        var message: String
        var paused_count: Int?
        var resumed_count: Int?
        var agent_filter: String?

        enum CodingKeys: String, CodingKey { case success, message, paused_count, resumed_count, agent_filter }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(success, forKey: .success)
            try c.encode(message, forKey: .message)
            try c.encodeIfPresent(paused_count, forKey: .paused_count)
            try c.encodeIfPresent(resumed_count, forKey: .resumed_count)
            try c.encode(agent_filter, forKey: .agent_filter)
        }
    }

    func add(to api: RouterGroup<APIRequestContext>) {
        api.get("agents/scheduler/status") { _, context in
            guard try context.requireIdentity().isAdmin else { throw APIError.forbidden("Only an admin may read the scheduler status") }
            let decoder = JSONDecoder()
            let replicas = try await presence.heartbeats().compactMap { id, json -> Replica? in
                (try? decoder.decode(Replica.self, from: Data(json.utf8))) ?? Replica(worker_id: id)
            }.sorted { $0.worker_id < $1.worker_id }
            let jobs = try await pool.queryFirst("SELECT count(*)::int AS n FROM schedules WHERE enabled")?.decode(Int.self, at: "n") ?? 0
            return try JSONText.response(SchedulerStatusAnswer(running: !replicas.isEmpty, job_count: jobs, replicas: replicas))
        }
        api.get("ops/schedules") { request, context in
            let query = ListQuery(request)
            let names = try await scope(context, agent: query.string("agent_name") ?? query.string("agent"))
            let enabledOnly = try query.bool("enabled_only") ?? false
            let list = try await schedules.list(agents: names, enabled: enabledOnly ? true : nil)
            let enabled = list.filter(\.enabled).count
            return try JSONText.response(OpsSchedules(
                timestamp: InstantFormat.stringWithMilliseconds(now()),
                summary: Summary(total: list.count, enabled: enabled, disabled: list.count - enabled, agents_with_schedules: Set(list.map(\.agentName)).count),
                schedules: list))
        }
        api.post("ops/schedules/pause") { request, context in
            let filter = ListQuery(request).string("agent_name")
            let names = try await scope(context, agent: filter)
            let count = try await pause(agents: names)
            try await activities.record(
                Activity(.schedulesPausedByOperator, agent: filter, details: ["count": .int(count)]), by: try context.requireIdentity())
            context.logger.notice("schedules paused by operator", metadata: ["count": "\(count)", "agent_filter": "\(filter ?? "-")"])
            return try JSONText.response(ToggleAnswer(message: "Paused \(count) schedule(s)", paused_count: count, agent_filter: filter))
        }
        api.post("ops/schedules/resume") { request, context in
            let filter = ListQuery(request).string("agent_name")
            let names = try await scope(context, agent: filter)
            let count = try await resume(agents: names)
            try await activities.record(
                Activity(.schedulesResumedByOperator, agent: filter, details: ["count": .int(count)]), by: try context.requireIdentity())
            context.logger.notice("schedules resumed by operator", metadata: ["count": "\(count)", "agent_filter": "\(filter ?? "-")"])
            return try JSONText.response(ToggleAnswer(message: "Resumed \(count) schedule(s)", resumed_count: count, agent_filter: filter))
        }
    }

    /// Agents the call acts on: nil = all (admin without filter).
    private func scope(_ context: APIRequestContext, agent: String?) async throws -> [String]? {
        let identity = try context.requireIdentity()
        if identity.isAdmin { return agent.map { [$0] } }
        let visible = try await agents.list(for: identity).map(\.name)
        return agent.map { name in visible.filter { $0 == name } } ?? visible
    }

    private func pause(agents names: [String]?) async throws -> Int {
        var binds: [PostgresValue] = [.text(Self.operatorPause)]
        var filter = ""
        if let names {
            binds.append(.textArray(names))
            filter = "AND agent_name = ANY($2)"
        }
        return try await pool.execute(
            "UPDATE schedules SET enabled = false, next_run_at = NULL, paused_reason = $1 WHERE enabled \(filter)", binds)
    }

    /// Re-enables what an operator pause disabled (not schedules users disabled themselves).
    private func resume(agents names: [String]?) async throws -> Int {
        let paused = try await schedules.list(agents: names, enabled: false).filter { $0.pausedReason == Self.operatorPause }
        let now = now()
        var count = 0
        for schedule in paused {
            var fields = ScheduleFields(schedule)
            fields.enabled = true
            guard let trigger = try? fields.validated(now: now) else { continue }
            if try await schedules.update(schedule, fields: fields, nextRunAt: fields.nextRun(trigger: trigger, now: now, lastRunAt: schedule.lastRunAt)) != nil {
                count += 1
            }
        }
        return count
    }
}

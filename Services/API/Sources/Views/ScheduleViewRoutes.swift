import APISupport
import Cron
import Domain
import Foundation
import Hummingbird

/// Cross-agent views for dashboards and calendars: all schedules, upcoming occurrences, and a
/// timeline of past executions and future occurrences.
struct ScheduleViewRoutes {
    let agents: AgentRepository
    let schedules: ScheduleRepository
    let executions: ExecutionRepository
    let now: @Sendable () -> Date

    struct UpcomingItem: Encodable {
        var schedule_id: String
        var agent_name: String
        var name: String
        var at: String
        var timezone: String
        var trigger: TriggerKind
    }

    struct TimelineItem: Encodable {
        var kind: String
        var at: String
        var agent_name: String
        var schedule_id: String?
        var name: String?
        var execution_id: String?
        var status: String?
        var triggered_by: String?
        var duration_ms: Int?

        enum CodingKeys: String, CodingKey {
            case kind, at, agent_name, schedule_id, name, execution_id, status, triggered_by, duration_ms
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(kind, forKey: .kind)
            try c.encode(at, forKey: .at)
            try c.encode(agent_name, forKey: .agent_name)
            try c.encode(schedule_id, forKey: .schedule_id)
            try c.encode(name, forKey: .name)
            try c.encode(execution_id, forKey: .execution_id)
            try c.encode(status, forKey: .status)
            try c.encode(triggered_by, forKey: .triggered_by)
            try c.encode(duration_ms, forKey: .duration_ms)
        }
    }

    func add(to api: RouterGroup<APIRequestContext>) {
        api.get("schedules") { request, context in
            let query = ListQuery(request)
            let names = try await visibleAgents(context, filter: query.string("agent"))
            let statuses = try query.scheduleStatuses()
            let list = try await schedules.list(agents: names, enabled: try query.bool("enabled"))
            return try JSONText.response(statuses.isEmpty ? list : list.filter { statuses.contains($0.status) })
        }
        api.get("schedules/upcoming") { request, context in
            let query = ListQuery(request)
            let now = now()
            let (zoneName, zone) = try query.timeZone()
            let grouped = try Self.groupByDay(query)
            let from = try query.instant("from") ?? now
            var to = try query.instant("to") ?? from.addingTimeInterval(7 * 86_400)
            if let days = try query.days() { to = UpcomingCalendar.windowEnd(from: from, days: days, zone: zone) }
            try Self.checkWindow(from: from, to: to, maximumDays: 367)
            let names = try await visibleAgents(context, filter: query.string("agent"))
            let items = Occurrences.upcoming(
                try await schedules.list(agents: names, enabled: true), from: max(from, now), to: to,
                limit: try query.limit(default: grouped ? 1000 : 200, maximum: grouped ? 5000 : 2000), now: now)
            if grouped {
                return try JSONText.response(UpcomingCalendar(items, zone: zone, zoneName: zoneName, from: max(from, now), to: to))
            }
            return try JSONText.response(items.map {
                UpcomingItem(
                    schedule_id: $0.schedule.id, agent_name: $0.schedule.agentName, name: $0.schedule.name,
                    at: InstantFormat.string($0.at), timezone: $0.schedule.timezone, trigger: $0.schedule.trigger)
            })
        }
        api.get("timeline") { request, context in
            let query = ListQuery(request)
            let now = now()
            let from = try query.instant("from") ?? now.addingTimeInterval(-86_400)
            let to = try query.instant("to") ?? now.addingTimeInterval(86_400)
            try Self.checkWindow(from: from, to: to, maximumDays: 92)
            let limit = try query.limit(default: 500, maximum: 5000)
            let names = try await visibleAgents(context, filter: query.string("agent"))
            var filter = ExecutionRepository.Filter()
            filter.agents = names
            filter.from = from
            filter.to = to
            filter.limit = limit
            let past = try await executions.list(filter).executions.map {
                TimelineItem(
                    kind: "execution", at: InstantFormat.stringWithMilliseconds($0.startedAt ?? $0.createdAt), agent_name: $0.agentName,
                    schedule_id: $0.scheduleID, name: $0.scheduleName, execution_id: $0.id, status: $0.status.rawValue,
                    triggered_by: $0.triggeredBy.rawValue, duration_ms: $0.durationMs)
            }
            let future = to > now
                ? Occurrences.upcoming(try await schedules.list(agents: names, enabled: true), from: max(from, now), to: to, limit: limit, now: now).map {
                    TimelineItem(
                        kind: "occurrence", at: InstantFormat.stringWithMilliseconds($0.at), agent_name: $0.schedule.agentName,
                        schedule_id: $0.schedule.id, name: $0.schedule.name, execution_id: nil, status: "scheduled",
                        triggered_by: "schedule", duration_ms: nil)
                } : []
            return try JSONText.response((past + future).sorted { $0.at < $1.at })
        }
    }

    func visibleAgents(_ context: APIRequestContext, filter: String?) async throws -> [String]? {
        try await agents.visibleNames(for: try context.requireIdentity(), filter: filter)
    }

    /// `group=day` (calendar) or absent (the flat list).
    static func groupByDay(_ query: ListQuery) throws -> Bool {
        guard let group = query.string("group") else { return false }
        guard group == "day" else { throw APIError.badRequest("group: expected \"day\", got \(JSONText.quote(group))") }
        return true
    }

    static func checkWindow(from: Date, to: Date, maximumDays: Double) throws {
        guard from < to else { throw APIError.badRequest("to: must be later than from") }
        guard to.timeIntervalSince(from) <= maximumDays * 86_400 else {
            throw APIError.badRequest("to: the window may span at most \(Int(maximumDays)) days")
        }
    }
}

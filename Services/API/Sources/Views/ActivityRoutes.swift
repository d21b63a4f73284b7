import APISupport
import Cron
import Domain
import Foundation
import Hummingbird

/// An agent's activity log: its executions (runs, tasks, skips, cancellations) and the changes
/// made through the API (`schedule_created`, `schedule_updated`, …, from the audit log):
/// `GET /api/activities/{agent}` (array), and for Trinity clients
/// `GET /api/agents/{name}/activities` and `GET /api/activities/timeline` (`{count, activities}`).
struct ActivityRoutes {
    let agents: AgentRoutes
    let agentRepository: AgentRepository
    let executions: ExecutionRepository

    struct Activity: Encodable {
        var id: String
        var agent_name: String
        var activity_type: String
        var activity_state: String
        var started_at: String
        var completed_at: String?
        var triggered_by: String
        var duration_ms: Int?
        var related_execution_id: String
        var details: [String: String]

        init(_ e: Execution) {
            id = e.id
            agent_name = e.agentName
            let scheduled = e.scheduleID != nil
            switch e.status {
            case .pending, .running:
                activity_type = scheduled ? "schedule_start" : "task_start"
                activity_state = "started"
            case .success:
                activity_type = scheduled ? "schedule_end" : "task_end"
                activity_state = "completed"
            case .failed:
                activity_type = scheduled ? "schedule_end" : "task_end"
                activity_state = "failed"
            case .skipped:
                activity_type = "schedule_skipped"
                activity_state = "completed"
            case .cancelled:
                activity_type = "execution_cancelled"
                activity_state = "completed"
            }
            started_at = InstantFormat.stringWithMilliseconds(e.startedAt ?? e.createdAt)
            completed_at = e.completedAt.map(InstantFormat.stringWithMilliseconds)
            // Activity vocabulary: retries and catch-ups of a schedule are schedule activity.
            switch e.triggeredBy {
            case .schedule, .retry, .catchup: triggered_by = "schedule"
            case .manual: triggered_by = "manual"
            case .agent: triggered_by = "agent"
            }
            duration_ms = e.durationMs
            related_execution_id = e.id
            var details = ["status": e.status.rawValue]
            if let name = e.scheduleName { details["schedule_name"] = name }
            if let error = e.error { details["error"] = error }
            if let reason = e.skipReason { details["skip_reason"] = reason }
            self.details = details
        }

        enum CodingKeys: String, CodingKey {
            case id, agent_name, activity_type, activity_state, started_at, completed_at, triggered_by, duration_ms, related_execution_id, details
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(agent_name, forKey: .agent_name)
            try c.encode(activity_type, forKey: .activity_type)
            try c.encode(activity_state, forKey: .activity_state)
            try c.encode(started_at, forKey: .started_at)
            try c.encode(completed_at, forKey: .completed_at)
            try c.encode(triggered_by, forKey: .triggered_by)
            try c.encode(duration_ms, forKey: .duration_ms)
            try c.encode(related_execution_id, forKey: .related_execution_id)
            try c.encode(details, forKey: .details)
        }
    }

    struct Listing: Encodable {
        var agent_name: String?
        var count: Int
        var activities: [Activity]
    }

    func add(to api: RouterGroup<APIRequestContext>) {
        api.get("activities/timeline") { request, context in
            let visible = try await agentRepository.list(for: try context.requireIdentity()).map(\.name)
            let activities = try await load(request, agents: visible)
            return try JSONText.response(Listing(agent_name: nil, count: activities.count, activities: activities))
        }
        api.get("activities/:agent") { request, context in
            guard let agent = try await agentRepository.find(context.parameters.get("agent") ?? "", for: try context.requireIdentity()) else {
                throw APIError.notFound("Agent not found")
            }
            return try JSONText.response(try await load(request, agents: [agent.name]))
        }
        api.get("agents/:name/activities") { request, context in
            let agent = try await agents.visibleAgent(context)
            let activities = try await load(request, agents: [agent.name])
            return try JSONText.response(Listing(agent_name: agent.name, count: activities.count, activities: activities))
        }
    }

    private func load(_ request: Request, agents names: [String]) async throws -> [Activity] {
        let query = ListQuery(request)
        var filter = ExecutionRepository.Filter()
        filter.agents = names
        filter.limit = try query.limit(default: 100, maximum: 1000)
        filter.from = try instant(query, "start_time") ?? instant(query, "from")
        filter.to = try instant(query, "end_time") ?? instant(query, "to")
        var activities = try await executions.list(filter).executions.map(Activity.init)
        // Changes made through the API (the audit log) join the runs, newest first.
        activities += try await changes(agents: names, from: filter.from, to: filter.to, limit: filter.limit)
        activities.sort { ($0.started_at, $0.id) > ($1.started_at, $1.id) }
        activities = Array(activities.prefix(filter.limit))
        let types = (query.string("activity_types") ?? query.string("activity_type")).map { Set($0.split(separator: ",").map(String.init)) }
        if let types { activities = activities.filter { types.contains($0.activity_type) } }
        if let state = query.string("activity_state") { activities = activities.filter { $0.activity_state == state } }
        return activities
    }

    /// An instant parameter; Trinity clients send them without a zone (`2020-01-01T00:00:00`): read as UTC.
    private func instant(_ query: ListQuery, _ name: String) throws -> Date? {
        guard let text = query.string(name) else { return nil }
        guard let date = InstantFormat.parse(text) ?? InstantFormat.parse(text + "Z") else {
            throw APIError.badRequest("\(name): expected an ISO-8601 instant such as 2024-03-10T07:30:00Z, got \(JSONText.quote(text))")
        }
        return date
    }
}

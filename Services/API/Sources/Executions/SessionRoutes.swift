import APISupport
import Cron
import Domain
import Foundation
import Hummingbird
import Postgres

/// Agent sessions (conversations): every execution records the `session_id` the agent
/// answered with; runs with the same `session_key` continue one session.
/// - `GET /api/agents/{name}/sessions`: the agent's sessions, most recently active first;
/// - `GET /api/agents/{name}/sessions/{session_id}/executions`: the runs of one session,
///   newest first (404 when the agent has no run in that session).
struct SessionRoutes {
    let agents: AgentRoutes
    let executions: ExecutionRepository

    struct Session: Encodable {
        var session_id: String
        var session_key: String?
        var runs: Int
        var first_run_at: String
        var last_run_at: String
        var last_status: String

        enum CodingKeys: String, CodingKey { case session_id, session_key, runs, first_run_at, last_run_at, last_status }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(session_id, forKey: .session_id)
            try c.encode(session_key, forKey: .session_key)
            try c.encode(runs, forKey: .runs)
            try c.encode(first_run_at, forKey: .first_run_at)
            try c.encode(last_run_at, forKey: .last_run_at)
            try c.encode(last_status, forKey: .last_status)
        }
    }

    func add(to api: RouterGroup<APIRequestContext>) {
        api.get("agents/:name/sessions") { request, context in
            let agent = try await agents.visibleAgent(context)
            let limit = try ListQuery(request).limit(default: 50, maximum: 500)
            let rows = try await executions.database.query(
                """
                SELECT session_id, (array_agg(session_key ORDER BY created_at DESC))[1] AS session_key, count(*)::int AS runs,
                       min(created_at) AS first_at, max(created_at) AS last_at,
                       (array_agg(status ORDER BY created_at DESC))[1] AS last_status
                FROM executions WHERE agent_name = $1 AND session_id IS NOT NULL
                GROUP BY session_id ORDER BY max(created_at) DESC LIMIT $2
                """, .text(agent.name), .int(limit))
            return try JSONText.response(try rows.map { row in
                Session(
                    session_id: try row.decode(String.self, at: "session_id"),
                    session_key: try row.decodeIfPresent(String.self, at: "session_key"),
                    runs: try row.decode(Int.self, at: "runs"),
                    first_run_at: InstantFormat.stringWithMilliseconds(try row.decode(Date.self, at: "first_at")),
                    last_run_at: InstantFormat.stringWithMilliseconds(try row.decode(Date.self, at: "last_at")),
                    last_status: try row.decode(String.self, at: "last_status"))
            })
        }
        api.get("agents/:name/sessions/:session_id/executions") { request, context in
            let agent = try await agents.visibleAgent(context)
            var filter = ExecutionRepository.Filter()
            filter.agents = [agent.name]
            filter.sessionID = context.parameters.get("session_id") ?? ""
            filter.limit = try ListQuery(request).limit()
            let runs = try await executions.list(filter).executions
            guard !runs.isEmpty else { throw APIError.notFound("Session not found") }
            return try JSONText.response(runs)
        }
    }
}

import APISupport
import Cron
import Domain
import Foundation
import Hummingbird
import Postgres

/// `GET /api/activities?agent=&from=&to=&action=&actor=&limit=`: who changed what and when,
/// newest first, for the agents the caller may see (admins also see fleet-wide entries).
struct ActivityLogRoutes {
    let agents: AgentRepository
    let database: any PostgresQueryable

    struct Entry: Encodable {
        var id: Int
        var at: String
        var action: String
        var actor: String
        var actor_kind: String
        var actor_agent: String?
        var agent_name: String?
        var schedule_id: String?
        var execution_id: String?
        var details: JSONValue
        var event_id: Int?

        enum CodingKeys: String, CodingKey {
            case id, at, action, actor, actor_kind, actor_agent, agent_name, schedule_id, execution_id, details, event_id
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(at, forKey: .at)
            try c.encode(action, forKey: .action)
            try c.encode(actor, forKey: .actor)
            try c.encode(actor_kind, forKey: .actor_kind)
            try c.encode(actor_agent, forKey: .actor_agent)
            try c.encode(agent_name, forKey: .agent_name)
            try c.encode(schedule_id, forKey: .schedule_id)
            try c.encode(execution_id, forKey: .execution_id)
            try c.encode(details, forKey: .details)
            try c.encode(event_id, forKey: .event_id)
        }
    }

    func add(to api: RouterGroup<APIRequestContext>) {
        api.get("activities") { request, context in
            let query = ListQuery(request)
            var conditions: [String] = []
            var binds: [PostgresValue] = []
            func bind(_ value: PostgresValue) -> String {
                binds.append(value)
                return "$\(binds.count)"
            }
            if let names = try await agents.visibleNames(for: try context.requireIdentity(), filter: query.string("agent")) {
                conditions.append("agent_name = ANY(\(bind(.textArray(names))))")
            }
            if let from = try query.instant("from") { conditions.append("created_at >= \(bind(.timestamp(from)))") }
            if let to = try query.instant("to") { conditions.append("created_at < \(bind(.timestamp(to)))") }
            if let actions = query.string("action") {
                conditions.append("action = ANY(\(bind(.textArray(actions.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }))))")
            }
            if let actor = query.string("actor") { conditions.append("actor = \(bind(.text(actor)))") }
            if let schedule = query.string("schedule_id") {
                guard let uuid = UUID(uuidString: schedule) else { return try JSONText.response([Entry]()) }
                conditions.append("schedule_id = \(bind(.uuid(uuid)))")
            }
            let limit = bind(.int(try query.limit(default: 100, maximum: 1000)))
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let rows = try await database.query(
                """
                SELECT id, created_at, action, actor, actor_kind, actor_agent, agent_name, schedule_id, execution_id, details, event_id
                FROM activities \(filter) ORDER BY created_at DESC, id DESC LIMIT \(limit)
                """, binds)
            return try JSONText.response(try rows.map { row in
                Entry(
                    id: try row.decode(Int.self, at: "id"),
                    at: InstantFormat.stringWithMilliseconds(try row.decode(Date.self, at: "created_at")),
                    action: try row.decode(String.self, at: "action"),
                    actor: try row.decode(String.self, at: "actor"),
                    actor_kind: try row.decode(String.self, at: "actor_kind"),
                    actor_agent: try row.decodeIfPresent(String.self, at: "actor_agent"),
                    agent_name: try row.decodeIfPresent(String.self, at: "agent_name"),
                    schedule_id: try row.decodeIfPresent(UUID.self, at: "schedule_id")?.uuidString.lowercased(),
                    execution_id: try row.decodeIfPresent(UUID.self, at: "execution_id")?.uuidString.lowercased(),
                    details: try row.decodeJSON(JSONValue.self, at: "details"),
                    event_id: try row.decodeIfPresent(Int.self, at: "event_id"))
            })
        }
    }
}

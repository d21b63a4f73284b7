import Cron
import Domain
import Foundation
import Postgres
import SundialEvents

extension ActivityRoutes {
    /// User-visible changes from the audit log (`activities`), in the activity shape of this view:
    /// `activity_type` is the action (`schedule_created`, …), `triggered_by` says who acted
    /// (`manual` for users and their keys, `agent` for an agent's own key).
    func changes(agents names: [String], from: Date?, to: Date?, limit: Int) async throws -> [Activity] {
        var binds: [PostgresValue] = [.textArray(names), .int(limit)]
        var conditions = ["agent_name = ANY($1)"]
        if let from {
            binds.append(.timestamp(from))
            conditions.append("created_at >= $\(binds.count)")
        }
        if let to {
            binds.append(.timestamp(to))
            conditions.append("created_at < $\(binds.count)")
        }
        let rows = try await executions.database.query(
            """
            SELECT id, created_at, action, actor, actor_kind, agent_name, schedule_id, execution_id, details
            FROM activities WHERE \(conditions.joined(separator: " AND ")) ORDER BY created_at DESC, id DESC LIMIT $2
            """, binds)
        return try rows.map { row in
            let at = InstantFormat.stringWithMilliseconds(try row.decode(Date.self, at: "created_at"))
            var details = ["actor": try row.decode(String.self, at: "actor")]
            if let schedule = try row.decodeIfPresent(UUID.self, at: "schedule_id") { details["schedule_id"] = schedule.uuidString.lowercased() }
            if case .object(let members) = try row.decodeJSON(JSONValue.self, at: "details") {
                for (key, value) in members {
                    switch value {
                    case .string(let text): details[key] = text
                    case .null: continue
                    default: details[key] = (try? EventLog.encode(value)) ?? ""
                    }
                }
            }
            return Activity(
                id: "activity-\(try row.decode(Int.self, at: "id"))", agent_name: try row.decode(String.self, at: "agent_name"),
                activity_type: try row.decode(String.self, at: "action"), activity_state: "completed", started_at: at, completed_at: at,
                triggered_by: try row.decode(String.self, at: "actor_kind") == "agent_key" ? "agent" : "manual", duration_ms: nil,
                related_execution_id: try row.decodeIfPresent(UUID.self, at: "execution_id")?.uuidString.lowercased() ?? "", details: details)
        }
    }
}

extension ActivityRoutes.Activity {
    init(
        id: String, agent_name: String, activity_type: String, activity_state: String, started_at: String, completed_at: String?,
        triggered_by: String, duration_ms: Int?, related_execution_id: String, details: [String: String]
    ) {
        self.id = id
        self.agent_name = agent_name
        self.activity_type = activity_type
        self.activity_state = activity_state
        self.started_at = started_at
        self.completed_at = completed_at
        self.triggered_by = triggered_by
        self.duration_ms = duration_ms
        self.related_execution_id = related_execution_id
        self.details = details
    }
}

import APISupport
import Domain
import Foundation
import Hummingbird
import Postgres

/// `POST /api/agents/{name}/executions/{execution_id}/make-repeatable`: a new schedule from a
/// past run (manual, ad-hoc or scheduled). The body gives the trigger (`cron_expression`,
/// `preset`, `run_at`, `run_at_local` or `interval_seconds`) and may override any create field;
/// the rest comes from the run: its schedule's message template (or the message the task
/// sent), its context, model, timeout and tool list, and its schedule's time zone.
struct MakeRepeatableRoute {
    let schedules: ScheduleRoutes
    let database: any PostgresQueryable

    func add(to api: RouterGroup<APIRequestContext>) {
        api.post("agents/:name/executions/:execution_id/make-repeatable") { request, context in
            let agent = try await schedules.agents.visibleAgent(context)
            let id = context.parameters.get("execution_id") ?? ""
            guard let uuid = UUID(uuidString: id), let run = try await database.queryFirst(
                """
                SELECT e.message, e.context, e.model_used, e.timeout_seconds, e.allowed_tools, s.message AS template,
                       s.name AS schedule_name, s.timezone, s.context AS schedule_context, s.timeout_seconds AS schedule_timeout,
                       s.allowed_tools AS schedule_tools, s.model AS schedule_model
                FROM executions e LEFT JOIN schedules s ON s.id = e.schedule_id
                WHERE e.id = $1 AND e.agent_name = $2
                """, .uuid(uuid), .text(agent.name))
            else { throw APIError.notFound("Execution not found") }
            let given = try await JSONBody.read(request, context: context, allowEmpty: true)
            var defaults = try Self.defaults(run, executionID: id)
            defaults.merge(given.members) { _, override in override }
            var body = FieldReader(defaults)
            let schedule = try await schedules.create(&body, agent: agent, context: context)
            context.logger.info("execution made repeatable", metadata: ["execution_id": "\(id)", "schedule_id": "\(schedule.id)"])
            return try JSONText.response(schedule, status: .created)
        }
    }

    /// The new schedule's fields as the run had them.
    static func defaults(_ run: PostgresRow, executionID: String) throws -> [String: JSONValue] {
        let template = try run.decodeIfPresent(String.self, at: "template")
        let message = try template ?? run.decode(String.self, at: "message")
        let scheduleName = try run.decodeIfPresent(String.self, at: "schedule_name")
        var fields: [String: JSONValue] = [
            "name": .string(String((scheduleName.map { "\($0) (repeat)" } ?? "Repeat: \(message)").prefix(200))),
            "message": .string(message),
            "description": .string("Made repeatable from execution \(executionID)"),
        ]
        if let zone = try run.decodeIfPresent(String.self, at: "timezone") { fields["timezone"] = .string(zone) }
        if !run.isNull("context") {
            fields["context"] = try run.decodeJSON(JSONValue.self, at: "context")
        } else if !run.isNull("schedule_context") {
            fields["context"] = try run.decodeJSON(JSONValue.self, at: "schedule_context")
        }
        if let model = try run.decodeIfPresent(String.self, at: "model_used") ?? (try run.decodeIfPresent(String.self, at: "schedule_model")) {
            fields["model"] = .string(model)
        }
        // Tasks may run with a shorter timeout than schedules allow (60-7200 s).
        if let timeout = try run.decodeIfPresent(Int.self, at: "timeout_seconds") ?? (try run.decodeIfPresent(Int.self, at: "schedule_timeout")) {
            fields["timeout_seconds"] = .int(min(max(timeout, 60), 7200))
        }
        if !run.isNull("allowed_tools") {
            fields["allowed_tools"] = try run.decodeJSON(JSONValue.self, at: "allowed_tools")
        } else if !run.isNull("schedule_tools") {
            fields["allowed_tools"] = try run.decodeJSON(JSONValue.self, at: "schedule_tools")
        }
        return fields
    }
}

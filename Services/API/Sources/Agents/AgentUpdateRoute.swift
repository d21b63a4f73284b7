import APISupport
import Foundation
import Hummingbird
import Postgres

/// `PUT /api/agents/{name}`: partial update of an agent's settings (owner or admin):
/// `endpoint_url` (null: back to `SUNDIAL_AGENT_URL_TEMPLATE`), `max_concurrency`, and
/// `notify_webhook_url` (null clears), the webhook for its schedules' notifications when a
/// schedule names none.
struct AgentUpdateRoute {
    let agents: AgentRoutes

    /// Keys of an Agent answer that may be sent back unchanged (ignored).
    static let readOnlyKeys: Set<String> = ["name", "status", "owner", "owner_id", "created_at", "last_health_at", "enabled", "autonomy_enabled"]

    func add(to api: RouterGroup<APIRequestContext>) {
        api.put("agents/:name") { request, context in
            let agent = try await agents.manageableAgent(context)
            var body = try await JSONBody.read(request, context: context, allowEmpty: true)
            var endpoint = agent.registeredEndpointURL
            var maxConcurrency = agent.maxConcurrency
            var webhook = agent.notifyWebhookURL
            endpoint = try body.field("endpoint_url", .string).applied(to: endpoint)
            webhook = try body.field("notify_webhook_url", .string).applied(to: webhook)
            switch try body.field("max_concurrency", .int) {
            case .absent: break
            case .null: throw APIError.unprocessable("max_concurrency: cannot be null", code: "invalid_field")
            case .value(let value): maxConcurrency = value
            }
            try body.rejectUnknown(allowing: Self.readOnlyKeys)
            if let endpoint { try FieldRules.httpURL("endpoint_url", endpoint) }
            if let webhook { try FieldRules.httpURL("notify_webhook_url", webhook) }
            guard (1...1000).contains(maxConcurrency) else {
                throw APIError.badRequest("max_concurrency: must be between 1 and 1000, got \(maxConcurrency)")
            }
            try await agents.agents.database.execute(
                "UPDATE agents SET endpoint_url = $2, max_concurrency = $3, notify_webhook_url = $4 WHERE name = $1",
                .text(agent.name), PostgresValue(endpoint), .int(maxConcurrency), PostgresValue(webhook))
            context.logger.info("agent updated", metadata: ["agent": "\(agent.name)"])
            return try JSONText.response(try await agents.visibleAgent(context))
        }
    }
}

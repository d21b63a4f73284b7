import APISupport
import Foundation
import Hummingbird
import Postgres

/// Notifications and deliveries as the API shows them:
/// - `GET /api/agents/{name}/executions/{execution_id}/notifications`: what was (or will be)
///   sent for a run — notifications and the answer to its destination — with every attempt;
/// - `POST /api/users/me/webhook-secret`: a new secret for signing this user's deliveries
///   (shown once), `DELETE` to fall back to `SUNDIAL_WEBHOOK_SECRET`,
///   `GET` whether one is set.
struct NotificationRoutes {
    let agents: AgentRoutes
    let executions: ExecutionRepository
    let deliveries: DeliveryRepository
    let database: any PostgresQueryable

    struct SecretAnswer: Encodable {
        var configured: Bool
        var webhook_secret: String?
        var signature_header: String
        var timestamp_header: String
        var message: String

        enum CodingKeys: String, CodingKey { case configured, webhook_secret, signature_header, timestamp_header, message }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(configured, forKey: .configured)
            try c.encode(webhook_secret, forKey: .webhook_secret)
            try c.encode(signature_header, forKey: .signature_header)
            try c.encode(timestamp_header, forKey: .timestamp_header)
            try c.encode(message, forKey: .message)
        }
    }

    func add(to api: RouterGroup<APIRequestContext>) {
        api.get("agents/:name/executions/:execution_id/notifications") { _, context in
            let agent = try await agents.visibleAgent(context)
            let id = context.parameters.get("execution_id") ?? ""
            guard try await executions.find(agent: agent.name, id: id) != nil else { throw APIError.notFound("Execution not found") }
            return try JSONText.response(try await deliveries.list(executionID: id))
        }
        api.get("users/me/webhook-secret") { _, context in
            let identity = try context.requireIdentity()
            let row = try await database.queryFirst("SELECT webhook_secret IS NOT NULL AS set FROM users WHERE id = $1", .uuid(identity.userID))
            let configured = try row?.decode(Bool.self, at: "set") ?? false
            return try JSONText.response(Self.answer(configured: configured, secret: nil))
        }
        api.post("users/me/webhook-secret") { _, context in
            let identity = try context.requireIdentity()
            guard identity.agentScope == nil else { throw APIError.forbidden("An agent-scoped key cannot change the webhook secret") }
            let secret = "whsec_" + Self.randomToken()
            try await database.execute("UPDATE users SET webhook_secret = $2 WHERE id = $1", .uuid(identity.userID), .text(secret))
            context.logger.info("webhook secret rotated", metadata: ["user": "\(identity.username)"])
            return try JSONText.response(Self.answer(configured: true, secret: secret), status: .created)
        }
        api.delete("users/me/webhook-secret") { _, context -> Response in
            let identity = try context.requireIdentity()
            guard identity.agentScope == nil else { throw APIError.forbidden("An agent-scoped key cannot change the webhook secret") }
            try await database.execute("UPDATE users SET webhook_secret = NULL WHERE id = $1", .uuid(identity.userID))
            return Response(status: .noContent)
        }
    }

    static func answer(configured: Bool, secret: String?) -> SecretAnswer {
        SecretAnswer(
            configured: configured, webhook_secret: secret, signature_header: "X-Sundial-Signature", timestamp_header: "X-Sundial-Timestamp",
            message: configured
                ? "Deliveries of your schedules are signed with your secret: X-Sundial-Signature = sha256=hex(HMAC-SHA256(secret, X-Sundial-Timestamp + \".\" + body))"
                : "No secret of your own: deliveries are signed with SUNDIAL_WEBHOOK_SECRET when the scheduler has one")
    }

    /// 32 random bytes, URL-safe base64 without padding.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

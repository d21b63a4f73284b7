import APIAuth
import APISupport
import Hummingbird
import Postgres

/// A `GET /ws/events` request, authenticated and validated: who listens, to which agents,
/// from which event id.
struct EventStreamRequest: Sendable {
    var identity: Identity
    /// `agents=a,b`; nil: every visible agent.
    var agents: Set<String>?
    /// `since=N`: replay events with id > N first.
    var since: Int?

    var audience: EventAudience { EventAudience(identity: identity, agents: agents) }

    static let maximumAgents = 100

    /// Authentication first (401 before anything else), then the query (400 naming the field).
    static func authorize(_ request: Request, auth: AuthService) async throws -> EventStreamRequest {
        let query = request.uri.queryParameters
        let fromQuery = query["token"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        guard let credential = fromQuery ?? AuthMiddleware.bearerCredential(in: request.headers) else {
            throw APIError.unauthorized()
        }
        let identity: Identity?
        do {
            identity = try await auth.authenticate(bearer: credential)
        } catch let error as PostgresError where error.isConnectionError || error.code == .poolClosed {
            throw APIError(.serviceUnavailable, "Database unavailable", code: "service_unavailable", headers: [.retryAfter: "5"])
        }
        guard let identity else { throw APIError.unauthorized("Could not validate credentials") }
        return EventStreamRequest(
            identity: identity, agents: try parseAgents(query["agents"].map(String.init)),
            since: try parseSince(query["since"].map(String.init)))
    }

    static func parseAgents(_ text: String?) throws -> Set<String>? {
        guard let text else { return nil }
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw APIError.badRequest("agents: expected comma-separated agent names, got \(JSONText.quote(text))") }
        guard names.count <= maximumAgents else { throw APIError.badRequest("agents: at most \(maximumAgents) names") }
        return Set(names)
    }

    static func parseSince(_ text: String?) throws -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), value >= 0 else {
            throw APIError.badRequest("since: expected a non-negative event id, got \(JSONText.quote(text))")
        }
        return value
    }
}

import APISupport
import Domain
import Foundation
import Postgres
import SundialConfig

/// Agents in Postgres, always read through the caller's visibility: an admin sees every
/// agent, a user the agents they own, an agent-scoped key only its own agent.
struct AgentRepository: Sendable {
    let database: any PostgresQueryable
    let urlTemplate: String

    private static let columns = """
        a.name, a.owner, u.username AS owner_name, a.endpoint_url, a.enabled, a.autonomy_enabled,
        a.max_concurrency, a.status, a.created_at, a.last_health_at, a.notify_webhook_url
        """

    /// `WHERE` fragment and binds restricting `a` to what `identity` may see; `$1` is the first bind.
    static func visibility(_ identity: Identity, firstBind: Int) -> (sql: String, binds: [PostgresValue]) {
        if let agent = identity.agentScope {
            return ("a.name = $\(firstBind)", [.text(agent)])
        }
        if identity.role == .admin { return ("TRUE", []) }
        return ("a.owner = $\(firstBind)", [.uuid(identity.userID)])
    }

    func list(for identity: Identity) async throws -> [AgentRecord] {
        let (filter, binds) = Self.visibility(identity, firstBind: 1)
        let rows = try await database.query(
            "SELECT \(Self.columns) FROM agents a JOIN users u ON u.id = a.owner WHERE \(filter) ORDER BY a.created_at DESC, a.name",
            binds)
        return try rows.map(decode)
    }

    /// Names of the agents `identity` may see, narrowed by an `agent=a,b` filter; nil means
    /// "every agent" (an admin without a filter), so callers need not list them.
    func visibleNames(for identity: Identity, filter: String?) async throws -> [String]? {
        if identity.isAdmin, filter == nil { return nil }
        let visible = try await list(for: identity).map(\.name)
        guard let filter else { return visible }
        let wanted = Set(filter.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        return visible.filter(wanted.contains)
    }

    /// The agent if it exists and `identity` may see it; nil otherwise (no existence leak).
    func find(_ name: String, for identity: Identity) async throws -> AgentRecord? {
        let (filter, binds) = Self.visibility(identity, firstBind: 2)
        return try await database.queryFirst(
            "SELECT \(Self.columns) FROM agents a JOIN users u ON u.id = a.owner WHERE a.name = $1 AND \(filter)",
            [.text(name)] + binds
        ).map(decode)
    }

    /// The new agent, or nil when the name is taken.
    func insert(name: String, owner: UUID, endpointURL: String?, maxConcurrency: Int, notifyWebhookURL: String? = nil) async throws -> AgentRecord? {
        let inserted = try await database.queryFirst(
            """
            INSERT INTO agents (name, owner, endpoint_url, max_concurrency, notify_webhook_url) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (name) DO NOTHING RETURNING name
            """, .text(name), .uuid(owner), PostgresValue(endpointURL), .int(maxConcurrency), PostgresValue(notifyWebhookURL))
        guard inserted != nil else { return nil }
        return try await database.queryFirst(
            "SELECT \(Self.columns) FROM agents a JOIN users u ON u.id = a.owner WHERE a.name = $1", .text(name)
        ).map(decode)
    }

    @discardableResult
    func delete(_ name: String) async throws -> Bool {
        try await database.execute("DELETE FROM agents WHERE name = $1", .text(name)) > 0
    }

    func setEnabled(_ name: String, _ enabled: Bool) async throws {
        try await database.execute("UPDATE agents SET enabled = $2 WHERE name = $1", .text(name), .bool(enabled))
    }

    func setAutonomy(_ name: String, _ enabled: Bool) async throws {
        try await database.execute("UPDATE agents SET autonomy_enabled = $2 WHERE name = $1", .text(name), .bool(enabled))
    }

    private func decode(_ row: PostgresRow) throws -> AgentRecord {
        let name = try row.decode(String.self, at: "name")
        let registered = try row.decodeIfPresent(String.self, at: "endpoint_url")
        return AgentRecord(
            name: name,
            ownerID: try row.decode(UUID.self, at: "owner"),
            owner: try row.decode(String.self, at: "owner_name"),
            registeredEndpointURL: registered,
            endpointURL: registered ?? AgentURLTemplate.expand(urlTemplate, name: name),
            enabled: try row.decode(Bool.self, at: "enabled"),
            autonomyEnabled: try row.decode(Bool.self, at: "autonomy_enabled"),
            maxConcurrency: try row.decode(Int.self, at: "max_concurrency"),
            healthStatus: AgentStatus(rawValue: try row.decode(String.self, at: "status")) ?? .running,
            createdAt: try row.decode(Date.self, at: "created_at"),
            lastHealthAt: try row.decodeIfPresent(Date.self, at: "last_health_at"),
            notifyWebhookURL: try row.decodeIfPresent(String.self, at: "notify_webhook_url")
        )
    }
}

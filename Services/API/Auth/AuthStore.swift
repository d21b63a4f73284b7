import APISupport
import Foundation
import Postgres

/// The SQL behind `AuthService`: users and API keys in Postgres. Every value is
/// a bind parameter; nothing from a request is spliced into SQL text.
struct AuthStore: Sendable {
    let database: any PostgresQueryable

    private static let userColumns = "id, username, role, created_at"
    private static let keyColumns = "id, name, owner, scope, agent_name, prefix, created_at, last_used_at"

    // MARK: Users

    func user(id: UUID) async throws -> UserRecord? {
        try await database.queryFirst("SELECT \(Self.userColumns) FROM users WHERE id = $1", .uuid(id))
            .map(Self.user)
    }

    /// The user and their password hash.
    func credentials(username: String) async throws -> (user: UserRecord, passwordHash: String)? {
        guard
            let row = try await database.queryFirst(
                "SELECT \(Self.userColumns), password_hash FROM users WHERE username = $1", .text(username))
        else { return nil }
        return (try Self.user(row), try row.decode(String.self, at: "password_hash"))
    }

    func anyAdminExists() async throws -> Bool {
        let row = try await database.queryFirst("SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin') AS found")
        return try row?.decode(Bool.self, at: "found") ?? false
    }

    /// The new user, or nil when the username is taken.
    func insertUser(username: String, passwordHash: String, role: Identity.Role) async throws -> UserRecord? {
        try await database.queryFirst(
            """
            INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3)
            ON CONFLICT (username) DO NOTHING
            RETURNING \(Self.userColumns)
            """, .text(username), .text(passwordHash), .text(role.rawValue)
        ).map(Self.user)
    }

    func updatePasswordHash(userID: UUID, to hash: String) async throws {
        try await database.execute("UPDATE users SET password_hash = $2 WHERE id = $1", .uuid(userID), .text(hash))
    }

    /// Replaces the hash only if it is still `old` (a concurrent change wins).
    func replacePasswordHash(userID: UUID, old: String, new: String) async throws {
        try await database.execute(
            "UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2", .uuid(userID), .text(old),
            .text(new))
    }

    func setRole(userID: UUID, role: Identity.Role) async throws {
        try await database.execute("UPDATE users SET role = $2 WHERE id = $1", .uuid(userID), .text(role.rawValue))
    }

    /// Newest first.
    func users() async throws -> [UserRecord] {
        try await database.query("SELECT \(Self.userColumns) FROM users ORDER BY created_at DESC, id DESC")
            .map(Self.user)
    }

    // MARK: Agents (ownership only)

    func agentOwner(name: String) async throws -> UUID? {
        try await database.queryFirst("SELECT owner FROM agents WHERE name = $1", .text(name))?
            .decode(UUID.self, at: "owner")
    }

    // MARK: API keys

    func insertKey(name: String, owner: UUID, scope: Identity.Scope, secret: APIKeySecret) async throws
        -> APIKeyRecord
    {
        let row = try await database.queryFirst(
            """
            INSERT INTO api_keys (key_hash, name, owner, scope, agent_name, prefix) VALUES ($1, $2, $3, $4, $5, $6)
            RETURNING \(Self.keyColumns)
            """, .text(secret.hash), .text(name), .uuid(owner), .text(scope.kind),
            scope.agentName.map(PostgresValue.text) ?? .null, .text(secret.prefix))
        guard let row else { throw PostgresError(.decode, message: "INSERT … RETURNING gave no row") }
        return try Self.key(row)
    }

    /// The owner's keys, newest first.
    func keys(owner: UUID) async throws -> [APIKeyRecord] {
        try await database.query(
            "SELECT \(Self.keyColumns) FROM api_keys WHERE owner = $1 ORDER BY created_at DESC, id DESC", .uuid(owner)
        ).map(Self.key)
    }

    /// True when the owner had a key with this id.
    func deleteKey(id: UUID, owner: UUID) async throws -> Bool {
        try await database.execute("DELETE FROM api_keys WHERE id = $1 AND owner = $2", .uuid(id), .uuid(owner)) > 0
    }

    /// Who a key hash belongs to, and when the key was last used.
    func keyIdentity(hash: String) async throws -> (identity: Identity, lastUsedAt: Date?)? {
        guard
            let row = try await database.queryFirst(
                """
                SELECT k.id AS key_id, k.scope, k.agent_name, k.last_used_at, u.id AS user_id, u.username, u.role
                FROM api_keys k JOIN users u ON u.id = k.owner
                WHERE k.key_hash = $1
                """, .text(hash))
        else { return nil }
        let scope = try Self.scope(row)
        let identity = Identity(
            userID: try row.decode(UUID.self, at: "user_id"), username: try row.decode(String.self, at: "username"),
            role: try Self.role(row), scope: scope, keyID: try row.decode(UUID.self, at: "key_id"))
        return (identity, try row.decode(Date?.self, at: "last_used_at"))
    }

    /// Records a use, unless one was recorded less than `interval` before `now`.
    func touchKey(id: UUID, now: Date, interval: TimeInterval) async throws {
        try await database.execute(
            """
            UPDATE api_keys SET last_used_at = $2
            WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)
            """, .uuid(id), .timestamp(now), .timestamp(now.addingTimeInterval(-interval)))
    }

    // MARK: Rows

    private static func user(_ row: PostgresRow) throws -> UserRecord {
        UserRecord(
            id: try row.decode(UUID.self, at: "id"), username: try row.decode(String.self, at: "username"),
            role: try role(row), createdAt: try row.decode(Date.self, at: "created_at"))
    }

    private static func key(_ row: PostgresRow) throws -> APIKeyRecord {
        APIKeyRecord(
            id: try row.decode(UUID.self, at: "id"), name: try row.decode(String.self, at: "name"),
            owner: try row.decode(UUID.self, at: "owner"), scope: try scope(row),
            prefix: try row.decode(String.self, at: "prefix"), createdAt: try row.decode(Date.self, at: "created_at"),
            lastUsedAt: try row.decode(Date?.self, at: "last_used_at"))
    }

    private static func role(_ row: PostgresRow) throws -> Identity.Role {
        let text = try row.decode(String.self, at: "role")
        guard let role = Identity.Role(rawValue: text) else {
            throw PostgresError(.decode, message: "users.role has an unknown value \"\(text)\"")
        }
        return role
    }

    private static func scope(_ row: PostgresRow) throws -> Identity.Scope {
        switch try row.decode(String.self, at: "scope") {
        case "agent": .agent(try row.decode(String.self, at: "agent_name"))
        default: .user
        }
    }
}

extension Identity.Scope {
    var agentName: String? {
        if case .agent(let name) = self { return name }
        return nil
    }
}

import APISupport
import Foundation

/// A user as the API shows it (never with the password hash).
public struct UserRecord: Sendable, Equatable {
    public var id: UUID
    public var username: String
    public var role: Identity.Role
    public var createdAt: Date

    public init(id: UUID, username: String, role: Identity.Role, createdAt: Date) {
        self.id = id
        self.username = username
        self.role = role
        self.createdAt = createdAt
    }
}

/// An API key as listed: everything but the secret.
public struct APIKeyRecord: Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var owner: UUID
    /// `.user`, or `.agent(name)` for a key bound to one agent.
    public var scope: Identity.Scope
    /// `sk_` and the first characters of the secret.
    public var prefix: String
    public var createdAt: Date
    public var lastUsedAt: Date?

    public init(
        id: UUID, name: String, owner: UUID, scope: Identity.Scope, prefix: String, createdAt: Date, lastUsedAt: Date?
    ) {
        self.id = id
        self.name = name
        self.owner = owner
        self.scope = scope
        self.prefix = prefix
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}

/// A key just created: the record plus the secret, which is never shown again.
public struct CreatedAPIKey: Sendable, Equatable {
    public var record: APIKeyRecord
    public var secret: String
}

/// A signed access token and its lifetime.
public struct AccessToken: Sendable, Equatable {
    public var token: String
    /// Seconds from issue to expiry.
    public var expiresIn: Int
    public var claims: AccessTokenClaims
}

extension Identity.Scope {
    /// `user` or `agent`, as stored and shown.
    public var kind: String {
        switch self {
        case .user: "user"
        case .agent: "agent"
        }
    }
}

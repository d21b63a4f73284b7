import Foundation

/// Who is calling: a user (with a JWT or a user-scoped API key) or an agent acting with an
/// agent-scoped key, which may act only on its own agent.
public struct Identity: Sendable, Equatable {
    public enum Role: String, Sendable, Codable, CaseIterable {
        case admin
        case user
    }

    public enum Scope: Sendable, Equatable {
        /// Everything the user may do.
        case user
        /// Only the named agent's schedules, tasks and executions.
        case agent(String)
    }

    public var userID: UUID
    public var username: String
    public var role: Role
    public var scope: Scope
    /// The API key used, if any (nil for a JWT).
    public var keyID: UUID?

    public init(userID: UUID, username: String, role: Role, scope: Scope = .user, keyID: UUID? = nil) {
        self.userID = userID
        self.username = username
        self.role = role
        self.scope = scope
        self.keyID = keyID
    }

    public var isAdmin: Bool { role == .admin && scope == .user }

    /// The agent an agent-scoped key is bound to.
    public var agentScope: String? {
        if case .agent(let name) = scope { return name }
        return nil
    }
}

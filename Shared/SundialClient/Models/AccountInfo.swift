import Domain

/// `POST /token`: a bearer token and its lifetime.
public struct TokenGrant: Sendable, Equatable {
    public var accessToken: String
    public var expiresIn: Int?

    public init(json: JSONValue) throws(SundialClientError) {
        let fields = try JSONFields(json, what: "token")
        accessToken = try fields.string("access_token")
        expiresIn = fields.optionalInt("expires_in")
    }
}

/// `GET /api/users/me`: who the credentials belong to and how they act.
public struct UserInfo: Sendable, Equatable {
    public let json: JSONValue
    public var id: String
    public var username: String
    /// `admin` or `user`.
    public var role: String
    /// `user` (a login token or a user key) or `agent` (a key bound to ``agentName``).
    public var scope: String?
    public var agentName: String?

    public init(json: JSONValue) throws(SundialClientError) {
        let fields = try JSONFields(json, what: "user")
        self.json = json
        id = try fields.string("id")
        username = try fields.string("username")
        role = try fields.string("role")
        scope = fields.optionalString("scope")
        agentName = fields.optionalString("agent_name")
    }

    public var isAdmin: Bool { role == "admin" }
    /// The agent an agent-scoped key is bound to; nil for users.
    public var agentScope: String? { scope == "agent" ? agentName : nil }
}

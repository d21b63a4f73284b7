import Domain

/// An agent as `GET /api/agents` shows it; `json` is the whole object as the API sent it.
public struct AgentInfo: Sendable, Equatable {
    public let json: JSONValue
    public var name: String
    /// `running`, `stopped` or `unreachable`.
    public var status: String
    public var endpointURL: String
    public var enabled: Bool
    public var autonomyEnabled: Bool
    public var maxConcurrency: Int
    public var owner: String
    public var createdAt: String

    public init(json: JSONValue) throws(SundialClientError) {
        let fields = try JSONFields(json, what: "agent")
        self.json = json
        name = try fields.string("name")
        status = try fields.string("status")
        endpointURL = try fields.string("endpoint_url")
        enabled = try fields.bool("enabled")
        autonomyEnabled = try fields.bool("autonomy_enabled")
        maxConcurrency = try fields.int("max_concurrency")
        owner = try fields.string("owner")
        createdAt = try fields.string("created_at")
    }
}

import SundialClient

/// Whom the MCP client's API key belongs to (`GET /api/users/me`), asked once and kept:
/// tool calls need it to default `agent_name` for agent-scoped keys.
actor CallerIdentity {
    private let client: SundialAPIClient
    private var known: UserInfo?

    init(client: SundialAPIClient, known: UserInfo? = nil) {
        self.client = client
        self.known = known
    }

    func resolve() async throws -> UserInfo {
        if let known { return known }
        let user = try await client.me()
        known = user
        return user
    }
}

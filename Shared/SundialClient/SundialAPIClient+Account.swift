import Domain

/// Login, identity, health and the scheduler's status.
extension SundialAPIClient {
    /// `POST /token` (form, OAuth2 password flow). No credentials needed.
    public func login(username: String, password: String) async throws -> TokenGrant {
        let json = try await call("POST", "/token", body: .form([("username", username), ("password", password)]), authenticated: false)
        return try TokenGrant(json: json)
    }

    /// `GET /api/users/me`: whom the credentials belong to; an agent key says its agent.
    public func me() async throws -> UserInfo {
        try UserInfo(json: try await call("GET", "/api/users/me"))
    }

    /// `GET /ready`: `{"status":"ready"|…, "checks":{…}}`. A 503 answer is returned, not thrown.
    public func readiness() async throws -> (ready: Bool, json: JSONValue) {
        do {
            let json = try await call("GET", "/ready", authenticated: false)
            return (true, json)
        } catch let error as SundialClientError where error.status == 503 {
            return (false, .object(["status": "unavailable", "detail": .string(error.detail)]))
        }
    }

    /// `GET /api/agents/scheduler/status` (admin only: others get 403).
    public func schedulerStatus() async throws -> SchedulerStatusInfo {
        try SchedulerStatusInfo(json: try await call("GET", "/api/agents/scheduler/status"))
    }

    /// `GET /api/cron/preview`: the server's view of an expression (the CLI computes it offline).
    public func cronPreview(expression: String, timezone: String?, count: Int?) async throws -> JSONValue {
        try await call(
            "GET", "/api/cron/preview",
            query: [("expression", expression), ("timezone", timezone), ("count", count.map(String.init))], authenticated: false)
    }
}

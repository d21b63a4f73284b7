import Domain

/// `/api/agents/{name}/schedules…` and the cross-agent `GET /api/schedules`.
///
/// Create and update take the schedule's fields as the API names them (`name`, `message`,
/// `cron_expression` | `run_at` | `interval_seconds`, `timezone`, …): the API validates them
/// and its 400/422 `detail` names the field that is wrong.
extension SundialAPIClient {
    /// One agent's schedules.
    public func schedules(agent: String) async throws -> [ScheduleInfo] {
        try Self.list(try await call("GET", "\(Self.schedulesPath(agent))"), ScheduleInfo.init)
    }

    /// Every schedule the caller may see, optionally narrowed to agents (`a,b`) and enabled state.
    public func allSchedules(agents: String? = nil, enabled: Bool? = nil) async throws -> [ScheduleInfo] {
        let json = try await call("GET", "/api/schedules", query: [("agent", agents), ("enabled", enabled.map { $0 ? "true" : "false" })])
        return try Self.list(json, ScheduleInfo.init)
    }

    public func schedule(agent: String, id: String) async throws -> ScheduleInfo {
        try ScheduleInfo(json: try await call("GET", Self.schedulePath(agent, id)))
    }

    public func createSchedule(agent: String, fields: [String: JSONValue]) async throws -> ScheduleInfo {
        try ScheduleInfo(json: try await call("POST", Self.schedulesPath(agent), body: .json(.object(fields))))
    }

    /// Partial update: absent keys stay as they are, `null` clears a nullable field.
    public func updateSchedule(agent: String, id: String, fields: [String: JSONValue]) async throws -> ScheduleInfo {
        try ScheduleInfo(json: try await call("PUT", Self.schedulePath(agent, id), body: .json(.object(fields))))
    }

    public func deleteSchedule(agent: String, id: String) async throws {
        _ = try await call("DELETE", Self.schedulePath(agent, id))
    }

    public func setScheduleEnabled(agent: String, id: String, enabled: Bool) async throws -> ToggleResult {
        try ToggleResult(json: try await call("POST", Self.schedulePath(agent, id) + (enabled ? "/enable" : "/disable")))
    }

    /// Runs the schedule now (`triggered_by: manual`); 409 when its overlap policy forbids, 503
    /// when no scheduler is alive.
    public func triggerSchedule(agent: String, id: String) async throws -> TriggerResult {
        try TriggerResult(json: try await call("POST", Self.schedulePath(agent, id) + "/trigger"))
    }

    /// The schedule's executions, newest first.
    public func scheduleExecutions(agent: String, id: String, limit: Int? = nil) async throws -> [ExecutionInfo] {
        let json = try await call("GET", Self.schedulePath(agent, id) + "/executions", query: [("limit", limit.map(String.init))])
        return try Self.list(json, ExecutionInfo.init)
    }

    static func schedulesPath(_ agent: String) -> String {
        "/api/agents/\(URLText.segment(agent))/schedules"
    }

    static func schedulePath(_ agent: String, _ id: String) -> String {
        "\(schedulesPath(agent))/\(URLText.segment(id))"
    }
}

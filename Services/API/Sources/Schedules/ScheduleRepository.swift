import APISupport
import Domain
import Foundation
import Postgres

/// Schedules in Postgres. Reads go through the agent the caller already may see, so a
/// schedule of another user's agent is simply not found.
struct ScheduleRepository: Sendable {
    let database: any PostgresQueryable

    static let columns = """
        s.id, s.agent_name, s.owner, u.username AS owner_name, s.name, s.trigger, s.cron_expression, s.run_at,
        s.interval_seconds, s.start_at, s.timezone, s.message, s.context, s.enabled, s.description, s.timeout_seconds,
        s.allowed_tools, s.model, s.max_retries, s.retry_delay_seconds, s.catchup, s.overlap, s.misfire_grace_seconds,
        s.notify, s.notify_webhook_url, s.destination, s.session_key, s.max_runs, s.end_at, s.max_consecutive_failures,
        s.paused_reason, s.consecutive_failures, s.run_count, s.last_run_at, s.next_run_at, s.created_at, s.updated_at,
        s.revision
        """
    static let from = "FROM schedules s JOIN users u ON u.id = s.owner"

    /// The agent's schedules, newest first.
    func list(agent: String) async throws -> [Schedule] {
        try await database.query("SELECT \(Self.columns) \(Self.from) WHERE s.agent_name = $1 ORDER BY s.created_at DESC, s.id", .text(agent))
            .map(Self.decode)
    }

    /// One schedule of the agent; nil for an unknown or malformed id.
    func find(agent: String, id: String) async throws -> Schedule? {
        guard let uuid = UUID(uuidString: id) else { return nil }
        return try await database.queryFirst(
            "SELECT \(Self.columns) \(Self.from) WHERE s.id = $1 AND s.agent_name = $2", .uuid(uuid), .text(agent)
        ).map(Self.decode)
    }

    /// One schedule, if its agent is visible to `identity`, in a single query (the hot read path).
    func findVisible(agent: String, id: String, for identity: Identity) async throws -> Schedule? {
        guard let uuid = UUID(uuidString: id) else { return nil }
        let (filter, binds) = AgentRepository.visibility(identity, firstBind: 3)
        return try await database.queryFirst(
            "SELECT \(Self.columns) \(Self.from) JOIN agents a ON a.name = s.agent_name WHERE s.id = $1 AND s.agent_name = $2 AND \(filter)",
            [.uuid(uuid), .text(agent)] + binds
        ).map(Self.decode)
    }

    func insert(agent: String, owner: UUID, fields: ScheduleFields, nextRunAt: Date?) async throws -> Schedule {
        var binds: [PostgresValue] = [.text(agent), .uuid(owner)]
        binds += try Self.writableBinds(fields)
        binds.append(PostgresValue(nextRunAt))
        let placeholders = (1...binds.count).map { "$\($0)" }.joined(separator: ", ")
        let row = try await database.queryFirst(
            "INSERT INTO schedules (agent_name, owner, \(Self.writableColumns.joined(separator: ", ")), next_run_at) VALUES (\(placeholders)) RETURNING id",
            binds)
        let id = try row?.decode(UUID.self, at: "id")
        guard let id, let schedule = try await find(agent: agent, id: id.uuidString) else {
            throw APIError(.internalServerError, "The schedule was not stored", code: "internal_error")
        }
        return schedule
    }

    /// Writes every writable field (partial semantics are applied before, in `ScheduleFields`).
    func update(_ schedule: Schedule, fields: ScheduleFields, nextRunAt: Date?) async throws -> Schedule? {
        var binds: [PostgresValue] = [.uuid(UUID(uuidString: schedule.id)!)]
        binds += try Self.writableBinds(fields)
        binds.append(PostgresValue(nextRunAt))
        let assignments = (Self.writableColumns + ["next_run_at"]).enumerated().map { "\($1) = $\($0 + 2)" }
        // A schedule re-enabled by hand is no longer "paused" for a reason.
        let updated = try await database.execute(
            "UPDATE schedules SET \(assignments.joined(separator: ", ")), paused_reason = CASE WHEN $\(Self.enabledBindIndex + 2)::boolean THEN NULL ELSE paused_reason END WHERE id = $1",
            binds)
        guard updated == 1 else { return nil }
        return try await find(agent: schedule.agentName, id: schedule.id)
    }

    @discardableResult
    func delete(agent: String, id: String) async throws -> Bool {
        guard let uuid = UUID(uuidString: id) else { return false }
        return try await database.execute("DELETE FROM schedules WHERE id = $1 AND agent_name = $2", .uuid(uuid), .text(agent)) == 1
    }

    // MARK: Columns

    static let writableColumns = [
        "name", "message", "trigger", "cron_expression", "run_at", "interval_seconds", "start_at", "timezone", "context",
        "enabled", "description", "timeout_seconds", "allowed_tools", "model", "max_retries", "retry_delay_seconds",
        "catchup", "overlap", "misfire_grace_seconds", "notify", "notify_webhook_url", "destination", "session_key",
        "max_runs", "end_at", "max_consecutive_failures",
    ]
    static let enabledBindIndex = writableColumns.firstIndex(of: "enabled")!

    static func writableBinds(_ f: ScheduleFields) throws -> [PostgresValue] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return [
            .text(f.name), .text(f.message), .text(f.trigger.rawValue), PostgresValue(f.cronExpression),
            PostgresValue(f.runAt), PostgresValue(f.intervalSeconds), PostgresValue(f.startAt), .text(f.timezone),
            .json(try encoder.encode(f.context)), .bool(f.enabled), PostgresValue(f.description),
            .int(f.timeoutSeconds), try f.allowedTools.map { .json(try encoder.encode($0)) } ?? .null,
            PostgresValue(f.model), .int(f.maxRetries), .int(f.retryDelaySeconds), .text(f.catchup.rawValue),
            .text(f.overlap.rawValue), .int(f.misfireGraceSeconds), .text(f.notify.rawValue),
            PostgresValue(f.notifyWebhookURL), try f.destination.map { .json(try encoder.encode($0)) } ?? .null,
            PostgresValue(f.sessionKey), PostgresValue(f.maxRuns), PostgresValue(f.endAt), .int(f.maxConsecutiveFailures),
        ]
    }

    static func decode(_ row: PostgresRow) throws -> Schedule {
        return Schedule(
            id: try row.decode(UUID.self, at: "id").uuidString.lowercased(),
            agentName: try row.decode(String.self, at: "agent_name"),
            owner: try row.decode(String.self, at: "owner_name"),
            name: try row.decode(String.self, at: "name"),
            trigger: try row.decodeEnum(TriggerKind.self, at: "trigger"),
            cronExpression: try row.decodeIfPresent(String.self, at: "cron_expression"),
            runAt: try row.decodeIfPresent(Date.self, at: "run_at"),
            intervalSeconds: try row.decodeIfPresent(Int.self, at: "interval_seconds"),
            startAt: try row.decodeIfPresent(Date.self, at: "start_at"),
            timezone: try row.decode(String.self, at: "timezone"),
            message: try row.decode(String.self, at: "message"),
            context: try row.decodeJSON([String: JSONValue].self, at: "context"),
            enabled: try row.decode(Bool.self, at: "enabled"),
            description: try row.decodeIfPresent(String.self, at: "description"),
            timeoutSeconds: try row.decode(Int.self, at: "timeout_seconds"),
            allowedTools: row.isNull("allowed_tools") ? nil : try row.decodeJSON([String].self, at: "allowed_tools"),
            model: try row.decodeIfPresent(String.self, at: "model"),
            maxRetries: try row.decode(Int.self, at: "max_retries"),
            retryDelaySeconds: try row.decode(Int.self, at: "retry_delay_seconds"),
            catchup: try row.decodeEnum(CatchupPolicy.self, at: "catchup"),
            overlap: try row.decodeEnum(OverlapPolicy.self, at: "overlap"),
            misfireGraceSeconds: try row.decode(Int.self, at: "misfire_grace_seconds"),
            notify: try row.decodeEnum(NotifyPolicy.self, at: "notify"),
            notifyWebhookURL: try row.decodeIfPresent(String.self, at: "notify_webhook_url"),
            destination: row.isNull("destination") ? JSONValue?.none : try row.decodeJSON(JSONValue.self, at: "destination"),
            sessionKey: try row.decodeIfPresent(String.self, at: "session_key"),
            maxRuns: try row.decodeIfPresent(Int.self, at: "max_runs"),
            endAt: try row.decodeIfPresent(Date.self, at: "end_at"),
            maxConsecutiveFailures: try row.decode(Int.self, at: "max_consecutive_failures"),
            pausedReason: try row.decodeIfPresent(String.self, at: "paused_reason"),
            consecutiveFailures: try row.decode(Int.self, at: "consecutive_failures"),
            runCount: try row.decode(Int.self, at: "run_count"),
            lastRunAt: try row.decodeIfPresent(Date.self, at: "last_run_at"),
            nextRunAt: try row.decodeIfPresent(Date.self, at: "next_run_at"),
            createdAt: try row.decode(Date.self, at: "created_at"),
            updatedAt: try row.decode(Date.self, at: "updated_at"),
            revision: try row.decode(Int64.self, at: "revision")
        )
    }
}

extension ScheduleRepository {
    /// Schedules of the given agents (nil: all agents), newest first.
    func list(agents: [String]?, enabled: Bool? = nil) async throws -> [Schedule] {
        var conditions: [String] = []
        var binds: [PostgresValue] = []
        if let agents {
            binds.append(.textArray(agents))
            conditions.append("s.agent_name = ANY($\(binds.count))")
        }
        if let enabled {
            binds.append(.bool(enabled))
            conditions.append("s.enabled = $\(binds.count)")
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try await database.query("SELECT \(Self.columns) \(Self.from) \(filter) ORDER BY s.created_at DESC, s.id", binds).map(Self.decode)
    }
}

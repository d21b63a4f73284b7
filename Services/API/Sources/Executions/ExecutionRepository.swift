import APISupport
import Domain
import Foundation
import Postgres

/// Execution rows: the read models of the API plus the manual-trigger and cancel writes.
/// The scheduler picks pending rows up (NOTIFY `executions_pending`); the API never calls agents.
struct ExecutionRepository: Sendable {
    let database: PostgresPool

    static let pendingChannel = "executions_pending"
    static let cancelChannel = "executions_cancelled"

    private static let listColumns = """
        e.id, e.schedule_id, s.name AS schedule_name, e.agent_name, e.status, e.triggered_by, e.scheduled_for, e.attempt,
        e.skip_reason, e.error, e.started_at, e.completed_at, e.duration_ms, e.message, e.response, e.response_truncated,
        e.context_used, e.context_max, e.cost, e.tool_calls, e.model_used, e.session_id, e.worker_id, e.created_at, e.session_key
        """
    private static let from = "FROM executions e LEFT JOIN schedules s ON s.id = e.schedule_id"

    struct Filter: Sendable {
        var agents: [String]?
        var scheduleID: UUID?
        var statuses: [ExecutionStatus] = []
        var from: Date?
        var to: Date?
        var sessionID: String?
        var adHocOnly = false
        var limit = 50
        var cursor: Cursor?
    }

    /// Keyset position: the last row's `(created_at, id)`.
    struct Cursor: Sendable, Equatable {
        var createdAt: Date
        var id: UUID

        var token: String {
            let micros = Int64((createdAt.timeIntervalSince1970 * 1_000_000).rounded())
            return Data("\(micros)|\(id.uuidString.lowercased())".utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }

        init(createdAt: Date, id: UUID) {
            self.createdAt = createdAt
            self.id = id
        }

        init?(token: String) {
            var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while base64.count % 4 != 0 { base64 += "=" }
            guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return nil }
            let parts = text.split(separator: "|")
            guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else { return nil }
            self.init(createdAt: Date(timeIntervalSince1970: Double(micros) / 1_000_000), id: id)
        }
    }

    /// Newest first; one more row than `limit` is read to know whether a next page exists.
    func list(_ filter: Filter) async throws -> (executions: [Execution], next: Cursor?) {
        var conditions: [String] = []
        var binds: [PostgresValue] = []
        func bind(_ value: PostgresValue) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        if let agents = filter.agents { conditions.append("e.agent_name = ANY(\(bind(.textArray(agents))))") }
        if let scheduleID = filter.scheduleID { conditions.append("e.schedule_id = \(bind(.uuid(scheduleID)))") }
        if !filter.statuses.isEmpty { conditions.append("e.status = ANY(\(bind(.textArray(filter.statuses.map(\.rawValue)))))") }
        if let from = filter.from { conditions.append("e.created_at >= \(bind(.timestamp(from)))") }
        if let to = filter.to { conditions.append("e.created_at < \(bind(.timestamp(to)))") }
        if let session = filter.sessionID { conditions.append("e.session_id = \(bind(.text(session)))") }
        if filter.adHocOnly { conditions.append("e.schedule_id IS NULL AND e.triggered_by IN ('manual', 'agent')") }
        if let cursor = filter.cursor {
            conditions.append("(e.created_at, e.id) < (\(bind(.timestamp(cursor.createdAt))), \(bind(.uuid(cursor.id))))")
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let limit = bind(.int(filter.limit + 1))
        let rows = try await database.query(
            "SELECT \(Self.listColumns) \(Self.from) \(whereClause) ORDER BY e.created_at DESC, e.id DESC LIMIT \(limit)", binds)
        var executions = try rows.map { try Self.decode($0, withLog: false) }
        var next: Cursor?
        if executions.count > filter.limit {
            executions.removeLast()
            if let last = executions.last, let id = UUID(uuidString: last.id) { next = Cursor(createdAt: last.createdAt, id: id) }
        }
        return (executions, next)
    }

    /// One execution of the agent, with its log; nil for unknown or malformed ids.
    func find(agent: String, id: String) async throws -> Execution? {
        guard let uuid = UUID(uuidString: id) else { return nil }
        return try await database.queryFirst(
            "SELECT \(Self.listColumns), e.execution_log \(Self.from) WHERE e.id = $1 AND e.agent_name = $2", .uuid(uuid), .text(agent)
        ).map { try Self.decode($0, withLog: true) }
    }

    func running(agent: String) async throws -> [Execution] {
        try await database.query(
            "SELECT \(Self.listColumns) \(Self.from) WHERE e.agent_name = $1 AND e.status IN ('running', 'pending') ORDER BY e.created_at DESC",
            .text(agent)
        ).map { try Self.decode($0, withLog: false) }
    }

    /// Waits until the execution reaches a final state (polling), or `timeout` passes (nil).
    func waitForCompletion(agent: String, id: String, timeout: Duration) async throws -> Execution? {
        let deadline = ContinuousClock.now + timeout
        var delay = Duration.milliseconds(50)
        while ContinuousClock.now < deadline {
            if let execution = try await find(agent: agent, id: id), execution.status.isFinal { return execution }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(250))
        }
        return nil
    }

    /// Whether an execution of the schedule is pending or running now.
    func isActive(scheduleID: String) async throws -> Bool {
        guard let uuid = UUID(uuidString: scheduleID) else { return false }
        let row = try await database.queryFirst(
            "SELECT EXISTS (SELECT 1 FROM executions WHERE schedule_id = $1 AND status IN ('pending', 'running')) AS active", .uuid(uuid))
        return try row?.decode(Bool.self, at: "active") ?? false
    }

    /// A pending execution for the scheduler to run now (manual trigger or ad-hoc task), announced
    /// on `executions_pending` in the same transaction.
    func insertPending(
        scheduleID: String?, agent: String, triggeredBy: TriggeredBy, message: String, context: [String: JSONValue],
        model: String?, timeoutSeconds: Int? = nil, allowedTools: [String]? = nil, sourceAgent: String? = nil, sessionKey: String? = nil
    ) async throws -> Execution {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let contextJSON = try encoder.encode(context)
        return try await database.withTransaction { tx in
            let row = try await tx.queryFirst(
                """
                INSERT INTO executions (schedule_id, agent_name, triggered_by, status, message, context, model_used,
                                        timeout_seconds, allowed_tools, source_agent, session_key)
                VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7, $8::jsonb, $9, $10) RETURNING id
                """,
                PostgresValue(scheduleID.flatMap(UUID.init(uuidString:))), .text(agent), .text(triggeredBy.rawValue), .text(message),
                .json(contextJSON), PostgresValue(model), PostgresValue(timeoutSeconds),
                try allowedTools.map { PostgresValue.json(try encoder.encode($0)) } ?? .null, PostgresValue(sourceAgent),
                PostgresValue(sessionKey))
            let id = try row!.decode(UUID.self, at: "id")
            try await tx.execute("SELECT pg_notify($1, $2)", .text(Self.pendingChannel), .text(id.uuidString.lowercased()))
            let stored = try await tx.queryFirst("SELECT \(Self.listColumns), e.execution_log \(Self.from) WHERE e.id = $1", .uuid(id))
            return try Self.decode(stored!, withLog: true)
        }
    }

    enum CancelOutcome: Sendable {
        case cancelled(Execution)
        case alreadyFinished(Execution)
        case notFound
    }

    /// Ends a pending or running execution as `cancelled`; the scheduler running it hears
    /// `executions_cancelled` and aborts the agent call.
    func cancel(agent: String, id: String) async throws -> CancelOutcome {
        guard let uuid = UUID(uuidString: id) else { return .notFound }
        let cancelled = try await database.withTransaction { tx -> Bool in
            let updated = try await tx.execute(
                """
                UPDATE executions SET status = 'cancelled', error = COALESCE(error, 'cancelled by user'), completed_at = now(),
                    duration_ms = CASE WHEN started_at IS NULL THEN NULL ELSE GREATEST(1, (EXTRACT(EPOCH FROM now() - started_at) * 1000)::bigint) END
                WHERE id = $1 AND agent_name = $2 AND status IN ('pending', 'running')
                """, .uuid(uuid), .text(agent))
            if updated == 1 {
                try await tx.execute("SELECT pg_notify($1, $2)", .text(Self.cancelChannel), .text(uuid.uuidString.lowercased()))
            }
            return updated == 1
        }
        guard let execution = try await find(agent: agent, id: id) else { return .notFound }
        return cancelled ? .cancelled(execution) : .alreadyFinished(execution)
    }

    static func decode(_ row: PostgresRow, withLog: Bool) throws -> Execution {
        var execution = Execution(
            id: try row.decode(UUID.self, at: "id").uuidString.lowercased(),
            scheduleID: try row.decodeIfPresent(UUID.self, at: "schedule_id")?.uuidString.lowercased(),
            scheduleName: try row.decodeIfPresent(String.self, at: "schedule_name"),
            agentName: try row.decode(String.self, at: "agent_name"),
            status: try row.decodeEnum(at: "status"),
            triggeredBy: try row.decodeEnum(at: "triggered_by"),
            scheduledFor: try row.decode(Date.self, at: "scheduled_for"),
            attempt: try row.decode(Int.self, at: "attempt"),
            skipReason: try row.decodeIfPresent(String.self, at: "skip_reason"),
            error: try row.decodeIfPresent(String.self, at: "error"),
            startedAt: try row.decodeIfPresent(Date.self, at: "started_at"),
            completedAt: try row.decodeIfPresent(Date.self, at: "completed_at"),
            durationMs: try row.decodeIfPresent(Int.self, at: "duration_ms"),
            message: try row.decode(String.self, at: "message"),
            response: try row.decodeIfPresent(String.self, at: "response"),
            responseTruncated: try row.decode(Bool.self, at: "response_truncated"),
            contextUsed: try row.decodeIfPresent(Int.self, at: "context_used"),
            contextMax: try row.decodeIfPresent(Int.self, at: "context_max"),
            cost: try row.decodeIfPresent(Double.self, at: "cost"),
            toolCalls: try row.decodeIfPresent(Int.self, at: "tool_calls"),
            modelUsed: try row.decodeIfPresent(String.self, at: "model_used"),
            sessionID: try row.decodeIfPresent(String.self, at: "session_id"),
            workerID: try row.decodeIfPresent(String.self, at: "worker_id"),
            createdAt: try row.decode(Date.self, at: "created_at"),
            executionLog: withLog && !row.isNull("execution_log") ? try row.decodeJSON(JSONValue.self, at: "execution_log") : JSONValue?.none,
            includesLog: withLog
        )
        execution.sessionKey = try row.decodeIfPresent(String.self, at: "session_key")
        return execution
    }
}

import Cron
import Domain
import Foundation
import Logging
import Postgres
import SchedulerCore

/// Executions in Postgres. The unique occurrence key `(schedule_id, scheduled_for, attempt)`
/// is the final authority on who runs an occurrence; every state change writes its event in
/// the same transaction, and writes after the claim are guarded by the worker id.
struct PostgresOccurrenceStore: OccurrenceStore {
    let pool: PostgresPool
    let events: EventLog
    let logger: Logger

    static let occurrenceKinds = "('schedule', 'catchup', 'retry')"

    func claim(
        scheduleID: String, scheduledFor: Date, attempt: Int, triggeredBy: TriggeredBy, workerID: String, exclusive: Bool
    ) async throws -> ClaimResult {
        guard let id = UUID(uuidString: scheduleID) else { return .alreadyClaimed }
        var published: [EventLog.Pending] = []
        let result: ClaimResult = try await pool.withTransaction { tx in
            // Serialises claims of one schedule across replicas (overlap checks stay atomic).
            try await tx.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))", .text(scheduleID))
            let exists = try await tx.queryFirst(
                "SELECT 1 AS found FROM executions WHERE schedule_id = $1 AND scheduled_for = $2 AND attempt = $3 AND triggered_by IN \(Self.occurrenceKinds)",
                .uuid(id), .timestamp(scheduledFor), .int(attempt))
            if exists != nil { return .alreadyClaimed }
            guard let schedule = try await tx.queryFirst(
                """
                SELECT s.agent_name, s.name, s.session_key IS NOT NULL AS has_session_key, a.enabled AS agent_enabled, a.autonomy_enabled
                FROM schedules s JOIN agents a ON a.name = s.agent_name WHERE s.id = $1
                """, .uuid(id))
            else { return .alreadyClaimed }  // deleted meanwhile
            let agent = try schedule.decode(String.self, at: "agent_name")
            let name = try schedule.decode(String.self, at: "name")
            // A stopped agent or one with autonomy off: the occurrence is recorded as skipped, with the reason.
            let skip: SkipReason? = try !schedule.decode(Bool.self, at: "agent_enabled") ? .agentStopped
                : try !schedule.decode(Bool.self, at: "autonomy_enabled") ? .autonomyDisabled : nil
            if let skip {
                if let event = try await insertSkipped(
                    tx, scheduleID: id, agent: agent, name: name, scheduledFor: scheduledFor, attempt: attempt,
                    triggeredBy: triggeredBy, reason: skip, workerID: workerID)
                {
                    published.append(event)
                }
                return .alreadyClaimed
            }
            if exclusive {
                let running = try await tx.queryFirst(
                    "SELECT 1 AS found FROM executions WHERE schedule_id = $1 AND status = 'running'", .uuid(id))
                if running != nil { return .busy }
            }
            // At the agent's max_concurrency the occurrence is queued (pending) instead: the
            // queued-execution worker starts it, in due order, when a slot frees. It is never dropped.
            // Concurrency decisions for one agent are serialised (the queued-execution worker takes the same lock).
            try await tx.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 11))", .text(agent))
            let load = try await tx.queryFirst(
                """
                SELECT (SELECT count(*) FROM executions WHERE agent_name = a.name AND status = 'running')::int AS running, a.max_concurrency
                FROM agents a WHERE a.name = $1
                """, .text(agent))
            let atCapacity = try load.map { try $0.decode(Int.self, at: "running") >= $0.decode(Int.self, at: "max_concurrency") } ?? false
            // A run of the same conversation (session_key) is active: this one waits its turn, queued.
            let sessionBusy = try schedule.decode(Bool.self, at: "has_session_key") ? try await SessionGate.isBusy(tx, scheduleID: id) : false
            if atCapacity || sessionBusy {
                let queued = try await tx.queryFirst(
                    """
                    INSERT INTO executions (schedule_id, agent_name, scheduled_for, attempt, triggered_by, status, message, context, model_used)
                    SELECT s.id, s.agent_name, $2, $3, $4, 'pending', s.message, s.context, s.model FROM schedules s WHERE s.id = $1
                    ON CONFLICT DO NOTHING RETURNING id
                    """, .uuid(id), .timestamp(scheduledFor), .int(attempt), .text(triggeredBy.rawValue))
                if let queued {
                    try await tx.execute("SELECT pg_notify('executions_pending', $1)", .text(try queued.decode(UUID.self, at: "id").uuidString.lowercased()))
                    logger.info("agent at max_concurrency: occurrence queued", metadata: ["schedule_id": "\(scheduleID)", "agent": "\(agent)"])
                }
                return .alreadyClaimed
            }
            guard let row = try await tx.queryFirst(
                """
                INSERT INTO executions (schedule_id, agent_name, scheduled_for, attempt, triggered_by, status, started_at,
                                        heartbeat_at, message, context, model_used, worker_id)
                SELECT s.id, s.agent_name, $2, $3, $4, 'running', now(), now(), s.message, s.context, s.model, $5
                FROM schedules s WHERE s.id = $1
                ON CONFLICT DO NOTHING
                RETURNING id
                """, .uuid(id), .timestamp(scheduledFor), .int(attempt), .text(triggeredBy.rawValue), .text(workerID))
            else { return .alreadyClaimed }
            let executionID = try row.decode(UUID.self, at: "id").uuidString.lowercased()
            published.append(try await events.record(.executionStarted, agent: agent, fields: [
                "schedule_id": .string(scheduleID), "execution_id": .string(executionID), "schedule_name": .string(name),
                "triggered_by": .string(triggeredBy.rawValue), "scheduled_for": .string(InstantFormat.string(scheduledFor)),
                "attempt": .int(attempt),
            ], in: tx))
            return .claimed(executionID: executionID)
        }
        await events.publish(published)
        return result
    }

    func recordSkipped(_ occurrences: [SkippedOccurrence], workerID: String) async throws -> Int {
        guard !occurrences.isEmpty else { return 0 }
        var published: [EventLog.Pending] = []
        let inserted = try await pool.withTransaction { tx -> Int in
            var count = 0
            for occurrence in occurrences {
                guard let id = UUID(uuidString: occurrence.scheduleID),
                      let schedule = try await tx.queryFirst("SELECT name FROM schedules WHERE id = $1", .uuid(id))
                else { continue }
                if let event = try await insertSkipped(
                    tx, scheduleID: id, agent: occurrence.agentName, name: try schedule.decode(String.self, at: "name"),
                    scheduledFor: occurrence.scheduledFor, attempt: occurrence.attempt, triggeredBy: occurrence.triggeredBy,
                    reason: occurrence.reason, workerID: workerID)
                {
                    published.append(event)
                    count += 1
                }
            }
            return count
        }
        await events.publish(published)
        return inserted
    }

    /// Inserts a `skipped` occurrence row (unless its key exists) and its event.
    private func insertSkipped(
        _ tx: PostgresTransaction, scheduleID: UUID, agent: String, name: String, scheduledFor: Date, attempt: Int,
        triggeredBy: TriggeredBy, reason: SkipReason, workerID: String
    ) async throws -> EventLog.Pending? {
        let row = try await tx.queryFirst(
            """
            INSERT INTO executions (schedule_id, agent_name, scheduled_for, attempt, triggered_by, status, skip_reason,
                                    completed_at, message, worker_id)
            SELECT s.id, s.agent_name, $2, $3, $4, 'skipped', $5, now(), s.message, $6 FROM schedules s WHERE s.id = $1
            ON CONFLICT DO NOTHING RETURNING id
            """, .uuid(scheduleID), .timestamp(scheduledFor), .int(attempt), .text(triggeredBy.rawValue), .text(reason.rawValue),
            .text(workerID))
        guard let row else { return nil }
        let executionID = try row.decode(UUID.self, at: "id").uuidString.lowercased()
        // A one-time schedule whose only occurrence is recorded as skipped is done.
        try await tx.execute(
            "UPDATE schedules SET enabled = false, next_run_at = NULL WHERE id = $1 AND trigger = 'once' AND run_at = $2 AND enabled",
            .uuid(scheduleID), .timestamp(scheduledFor))
        logger.info("occurrence skipped", metadata: [
            "schedule_id": "\(scheduleID.uuidString.lowercased())", "scheduled_for": "\(InstantFormat.string(scheduledFor))",
            "reason": "\(reason.rawValue)",
        ])
        return try await events.record(.executionSkipped, agent: agent, fields: [
            "schedule_id": .string(scheduleID.uuidString.lowercased()), "execution_id": .string(executionID),
            "schedule_name": .string(name), "triggered_by": .string(triggeredBy.rawValue), "reason": .string(reason.rawValue),
            "scheduled_for": .string(InstantFormat.string(scheduledFor)),
        ], in: tx)
    }

    func occurrenceExists(scheduleID: String, scheduledFor: Date, attempt: Int) async throws -> Bool {
        guard let id = UUID(uuidString: scheduleID) else { return false }
        return try await pool.queryFirst(
            "SELECT 1 AS found FROM executions WHERE schedule_id = $1 AND scheduled_for = $2 AND attempt = $3 AND triggered_by IN \(Self.occurrenceKinds)",
            .uuid(id), .timestamp(scheduledFor), .int(attempt)) != nil
    }

    func isRunning(scheduleID: String) async throws -> Bool {
        guard let id = UUID(uuidString: scheduleID) else { return false }
        return try await pool.queryFirst("SELECT 1 AS found FROM executions WHERE schedule_id = $1 AND status = 'running'", .uuid(id)) != nil
    }

    func complete(executionID: String, workerID: String, outcome: RunOutcome) async throws -> Bool {
        try await ExecutionCompletion(pool: pool, events: events, logger: logger)
            .complete(executionID: executionID, workerID: workerID, outcome: outcome)
    }
}


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
    let completion: ExecutionCompletion
    private let claims: GroupCommitQueue<OccurrenceClaims.Request, ClaimResult>

    static let occurrenceKinds = "('schedule', 'catchup', 'retry')"

    /// - Parameter claimWriters: claim transactions written at the same time (each batches the
    ///   claims that arrived while the previous ones were written).
    init(
        pool: PostgresPool, events: EventLog, completion: ExecutionCompletion, logger: Logger, claimBatch: Int = 500, claimWriters: Int = 2
    ) {
        self.pool = pool
        self.events = events
        self.completion = completion
        self.logger = logger
        let writer = OccurrenceClaims(pool: pool, events: events, logger: logger)
        claims = GroupCommitQueue(maxBatch: claimBatch, maxWriters: claimWriters) { try await writer.claim($0) }
    }

    func claim(
        scheduleID: String, scheduledFor: Date, attempt: Int, triggeredBy: TriggeredBy, workerID: String, exclusive: Bool
    ) async throws -> ClaimResult {
        guard let id = UUID(uuidString: scheduleID) else { return .alreadyClaimed }
        return try await claims.submit(OccurrenceClaims.Request(
            scheduleID: id, scheduledFor: scheduledFor, attempt: attempt, triggeredBy: triggeredBy, workerID: workerID, exclusive: exclusive))
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
        try await completion.complete(executionID: executionID, workerID: workerID, outcome: outcome)
    }
}

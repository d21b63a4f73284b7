public import Domain
public import Foundation

/// Result of inserting an occurrence's execution row.
public enum ClaimResult: Sendable, Hashable {
    /// This worker owns the occurrence; the row is `running`.
    case claimed(executionID: String)
    /// A row for `(schedule_id, scheduled_for, attempt)` exists already
    /// (another replica ran it, or it was recorded as skipped): do nothing.
    case alreadyClaimed
    /// `exclusive` claim and another execution of the schedule is running:
    /// nothing was inserted (the overlap policy decides what happens).
    case busy
}

/// An occurrence recorded as `skipped` instead of running.
public struct SkippedOccurrence: Sendable, Hashable {
    public var scheduleID: String
    public var agentName: String
    public var scheduledFor: Date
    public var attempt: Int
    public var triggeredBy: TriggeredBy
    public var reason: SkipReason

    public init(scheduleID: String, agentName: String, scheduledFor: Date, attempt: Int, triggeredBy: TriggeredBy, reason: SkipReason) {
        self.scheduleID = scheduleID
        self.agentName = agentName
        self.scheduledFor = scheduledFor
        self.attempt = attempt
        self.triggeredBy = triggeredBy
        self.reason = reason
    }
}

/// The system of record for executions. Production: the `executions` table,
/// whose unique index on `(schedule_id, scheduled_for, attempt)` (for
/// `triggered_by` in schedule/catchup/retry) is the final authority on who
/// runs an occurrence; tests: `InMemoryOccurrenceStore`.
public protocol OccurrenceStore: Sendable {
    /// Inserts the execution row `running`, owned by `workerID`, unless a row
    /// with the same occurrence key exists (`INSERT … ON CONFLICT DO NOTHING`).
    ///
    /// `exclusive` (overlap `skip`/`queue`): also refuse with `.busy` when an
    /// execution of the schedule is `running`, atomically with the insert,
    /// so two replicas can never start overlapping runs (Postgres: take
    /// `pg_advisory_xact_lock` on the schedule id, check for a running row,
    /// insert, in one transaction). The key check comes first: an existing
    /// row answers `.alreadyClaimed` even when something else is running.
    func claim(
        scheduleID: String, scheduledFor: Date, attempt: Int, triggeredBy: TriggeredBy, workerID: String,
        exclusive: Bool
    ) async throws -> ClaimResult
    /// Inserts `skipped` rows under the same key rule; returns how many were new.
    func recordSkipped(_ occurrences: [SkippedOccurrence], workerID: String) async throws -> Int
    /// Whether a row exists for the occurrence key (any status).
    func occurrenceExists(scheduleID: String, scheduledFor: Date, attempt: Int) async throws -> Bool
    /// Whether any execution of the schedule is `running` (any replica).
    func isRunning(scheduleID: String) async throws -> Bool
    /// Final status of a claimed execution, guarded by the worker id: returns
    /// false when the row is no longer this worker's running execution (it
    /// was recovered or cancelled meanwhile) and nothing was written.
    func complete(executionID: String, workerID: String, outcome: RunOutcome) async throws -> Bool
}

public import Domain
public import Foundation

/// Something the engine did or could not do, for logs and metrics (one log
/// line per event; the service maps them to swift-log and swift-metrics).
public enum SchedulerEngineEvent: Sendable, Equatable {
    case synced(SyncSummary)
    case syncFailed(error: String)
    case changeApplied(scheduleID: String?, effect: ChangeEffect)
    /// Missed occurrences beyond the recorded ones (`isLowerBound`: at least).
    case missedNotRecorded(scheduleID: String, count: Int, isLowerBound: Bool)
    /// `count` occurrences skipped for `reason`, `inserted` of them new rows (the rest another replica wrote).
    case skipped(scheduleID: String, reason: SkipReason, count: Int, inserted: Int)
    /// `lateness`: seconds between `scheduledFor` (or a retry's due time) and the claim.
    case claimed(scheduleID: String, scheduledFor: Date, attempt: Int, triggeredBy: TriggeredBy, executionID: String, lateness: TimeInterval)
    case alreadyClaimed(scheduleID: String, scheduledFor: Date, attempt: Int)
    case lockContended(scheduleID: String, scheduledFor: Date)
    case lockerUnavailable(error: String)
    case executionFinished(scheduleID: String, executionID: String, attempt: Int, outcome: RunOutcome, recorded: Bool)
    case retryScheduled(scheduleID: String, RetryPlan)
    case storeFailed(operation: String, scheduleID: String?, error: String)
    /// The store stayed unavailable for `storeRetryWindow`: not run, not recorded.
    case occurrenceAbandoned(scheduleID: String, scheduledFor: Date, attempt: Int, error: String)
    case scheduleCompleted(ScheduleCompletion)
    case completionReportFailed(ScheduleCompletion, error: String)
}

/// Receives engine events synchronously; must be cheap and non-blocking.
public protocol SchedulerEngineObserver: Sendable {
    func schedulerEngine(_ event: SchedulerEngineEvent)
}

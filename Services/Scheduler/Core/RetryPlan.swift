public import Domain
public import Foundation

/// The next attempt of an occurrence whose attempt failed: same
/// `scheduledFor`, `attempt + 1`, `triggeredBy: .retry`, due
/// `retry_delay_seconds` after the failure.
public struct RetryPlan: Sendable, Hashable {
    public var scheduledFor: Date
    public var attempt: Int
    public var runAt: Date
    public var triggeredBy: TriggeredBy { .retry }

    public init(scheduledFor: Date, attempt: Int, runAt: Date) {
        self.scheduledFor = scheduledFor
        self.attempt = attempt
        self.runAt = runAt
    }

    /// The retry after attempt `failedAttempt` (1-based) failed at
    /// `completedAt`, or nil when `max_retries` retries have been made
    /// (attempts run are `1 ... maxRetries + 1`).
    public static func after(
        failedAttempt: Int, maxRetries: Int, retryDelaySeconds: Int, scheduledFor: Date, completedAt: Date
    ) -> RetryPlan? {
        guard failedAttempt >= 1, failedAttempt <= maxRetries else { return nil }
        return RetryPlan(
            scheduledFor: scheduledFor, attempt: failedAttempt + 1,
            runAt: completedAt.addingTimeInterval(TimeInterval(max(0, retryDelaySeconds)))
        )
    }

    /// The retry for `definition`'s policy.
    public static func after(
        failedAttempt: Int, of definition: ScheduleDefinition, scheduledFor: Date, completedAt: Date
    ) -> RetryPlan? {
        after(
            failedAttempt: failedAttempt, maxRetries: definition.maxRetries,
            retryDelaySeconds: definition.retryDelaySeconds, scheduledFor: scheduledFor, completedAt: completedAt
        )
    }
}

public import Foundation

/// Where the scheduler gets time from. Production: wall clock and
/// `Task.sleep`; tests: `ManualClock`.
public protocol SchedulerClock: Sendable {
    func now() -> Date
    /// Returns once `now() >= deadline`. Throws `CancellationError` as soon
    /// as the calling task is cancelled.
    func sleep(until deadline: Date) async throws
}

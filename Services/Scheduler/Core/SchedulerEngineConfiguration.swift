public import Foundation

/// Limits and delays of a `SchedulerEngine` (seconds).
public struct SchedulerEngineConfiguration: Sendable {
    /// This replica's id: written as `worker_id`, guards execution updates.
    public var workerID: String
    /// Occurrence jobs (decide, claim, run) in flight at once.
    public var maxConcurrentExecutions: Int
    /// Full resync period (`SUNDIAL_SYNC_INTERVAL`).
    public var resyncInterval: TimeInterval
    /// Next load attempt after a failed one.
    public var sourceRetryDelay: TimeInterval
    /// When another worker held the lock: look again after this long and
    /// take the occurrence if no row exists by then (the holder died).
    public var lockRecheckDelay: TimeInterval
    /// Lock TTL = the schedule's timeout + this margin.
    public var lockTTLMargin: TimeInterval
    /// Store failure while claiming/recording: try again after this long …
    public var storeRetryDelay: TimeInterval
    /// … until the occurrence is this late; then it is abandoned (reported).
    public var storeRetryWindow: TimeInterval
    /// A queued occurrence waiting for another replica's run checks this often.
    public var queuePollInterval: TimeInterval
    /// Writes of a final status (and completion reports) tried this many times.
    public var writeAttempts: Int
    /// How long shutdown waits for running executions before cancelling them.
    public var shutdownGracePeriod: TimeInterval
    public var planner: OccurrencePlanner

    public init(
        workerID: String, maxConcurrentExecutions: Int = 64, resyncInterval: TimeInterval = 60,
        sourceRetryDelay: TimeInterval = 5, lockRecheckDelay: TimeInterval = 5, lockTTLMargin: TimeInterval = 60,
        storeRetryDelay: TimeInterval = 1, storeRetryWindow: TimeInterval = 300, queuePollInterval: TimeInterval = 1,
        writeAttempts: Int = 5, shutdownGracePeriod: TimeInterval = 30, planner: OccurrencePlanner = OccurrencePlanner()
    ) {
        self.workerID = workerID
        self.maxConcurrentExecutions = max(1, maxConcurrentExecutions)
        self.resyncInterval = max(0.001, resyncInterval)
        self.sourceRetryDelay = max(0.001, sourceRetryDelay)
        self.lockRecheckDelay = max(0.001, lockRecheckDelay)
        self.lockTTLMargin = max(0, lockTTLMargin)
        self.storeRetryDelay = max(0.001, storeRetryDelay)
        self.storeRetryWindow = max(0, storeRetryWindow)
        self.queuePollInterval = max(0.001, queuePollInterval)
        self.writeAttempts = max(1, writeAttempts)
        self.shutdownGracePeriod = max(0, shutdownGracePeriod)
        self.planner = planner
    }
}

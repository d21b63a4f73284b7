public import Domain
public import Foundation

/// A claimed execution this replica is running.
public struct RunningExecution: Sendable, Hashable {
    public var executionID: String
    public var scheduleID: String
    public var agentName: String
    public var scheduledFor: Date
    public var attempt: Int
    public var triggeredBy: TriggeredBy
    public var startedAt: Date
}

/// Snapshot for the heartbeat and `/status`.
public struct SchedulerEngineStatus: Sendable, Equatable {
    public enum State: String, Sendable, Hashable {
        case idle, running, stopping, stopped
    }

    public struct Counters: Sendable, Equatable {
        public var claimed = 0
        public var alreadyClaimed = 0
        public var skippedRecorded = 0
        public var succeeded = 0
        public var failed = 0
        public var cancelled = 0
        public var retriesScheduled = 0
        public var lockContended = 0
        public var lockerFailures = 0
        public var storeFailures = 0
        public var abandoned = 0
    }

    public var workerID: String
    public var state: State
    public var schedulesLoaded: Int
    public var invalidSchedules: [InvalidSchedule]
    public var invalidCount: Int { invalidSchedules.count }
    public var runningExecutions: [RunningExecution]
    /// Occurrence jobs waiting for a concurrency slot.
    public var waitingJobs: Int
    /// Retries, lock rechecks, store retries and queue polls pending.
    public var pendingFollowUps: Int
    public var lastSyncAt: Date?
    public var lastSyncError: String?
    public var nextWake: Date?
    public var counters: Counters
}

/// How a shutdown ended.
public struct ShutdownReport: Sendable, Equatable {
    /// Every execution finished within the grace period.
    public var drained: Bool
    /// Executions still running at the deadline; their tasks were cancelled
    /// (the runner records them as cancelled, or recovery closes them).
    public var interrupted: [RunningExecution]
}

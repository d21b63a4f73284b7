public import Domain
public import Foundation

/// One occurrence to execute now.
public struct PlannedRun: Sendable, Hashable {
    public var scheduledFor: Date
    /// `.schedule` when on time (within the misfire grace), `.catchup` when later.
    public var triggeredBy: TriggeredBy

    public init(scheduledFor: Date, triggeredBy: TriggeredBy) {
        self.scheduledFor = scheduledFor
        self.triggeredBy = triggeredBy
    }
}

/// Why a schedule has no further occurrence; the service disables it
/// (`enabled=false`, `next_run_at=null`).
public enum CompletionReason: String, Sendable, Hashable, CaseIterable {
    /// The trigger has no occurrence left: a `once` schedule after its
    /// occurrence, or a cron expression past the 30-year horizon.
    case exhausted
    /// The next occurrence would be after `end_at`.
    case endReached = "end_reached"
    /// `run_count` reached `max_runs`.
    case maxRunsReached = "max_runs_reached"
}

/// What to do about one schedule at `now`: the outcome of
/// `OccurrencePlanner.plan`.
public struct OccurrencePlan: Sendable, Equatable {
    /// Occurrences to execute now, oldest first.
    public var runs: [PlannedRun]
    /// Occurrences to record as `skipped` with reason `missed`, oldest first:
    /// the most recent `OccurrencePlanner.maxRecordedSkips` of them.
    public var skipped: [Date]
    /// Missed occurrences left out of `skipped` (older than those in it).
    public var unrecordedSkips: Int
    /// `unrecordedSkips` is a lower bound: enumeration stopped at the
    /// planner's `exactCountLimit` and the rest was not counted.
    public var unrecordedSkipsIsLowerBound: Bool
    /// The newest occurrence this plan covers (run or skipped): the
    /// schedule's new anchor. `nil` when nothing was due.
    public var handledThrough: Date?
    /// The next fire instant after the ones covered here; `nil` when the
    /// schedule is complete.
    public var next: Date?
    /// Set when the schedule has no occurrence left after this plan.
    public var completion: CompletionReason?

    public init(
        runs: [PlannedRun] = [], skipped: [Date] = [], unrecordedSkips: Int = 0,
        unrecordedSkipsIsLowerBound: Bool = false, handledThrough: Date? = nil,
        next: Date? = nil, completion: CompletionReason? = nil
    ) {
        self.runs = runs
        self.skipped = skipped
        self.unrecordedSkips = unrecordedSkips
        self.unrecordedSkipsIsLowerBound = unrecordedSkipsIsLowerBound
        self.handledThrough = handledThrough
        self.next = next
        self.completion = completion
    }

    /// Nothing to run or record.
    public var isEmpty: Bool { runs.isEmpty && skipped.isEmpty && unrecordedSkips == 0 }
}

/// One change of the enabled-schedule set, as delivered by
/// `ScheduleSource.changes()` (in production: a `schedules_changed` NOTIFY
/// followed by a read of that row).
public enum ScheduleChange: Sendable, Equatable {
    /// The schedule as it is now (a disabled one leaves the book).
    case upsert(ScheduleDefinition)
    /// The schedule was deleted.
    case removed(id: String)
    /// Changes may have been lost (listener reconnected): resync everything.
    case resyncRequested
}

/// A schedule the scheduler cannot run, with the reason.
public struct InvalidSchedule: Sendable, Equatable {
    public var id: String
    public var name: String
    public var agentName: String
    public var revision: Int64
    public var error: ScheduleDefinitionError

    public init(definition: ScheduleDefinition, error: ScheduleDefinitionError) {
        id = definition.id
        name = definition.name
        agentName = definition.agentName
        revision = definition.revision
        self.error = error
    }
}

/// What a full resync changed.
public struct SyncSummary: Sendable, Equatable {
    /// New schedules (valid ones), sorted.
    public var added: [String] = []
    /// Schedules whose revision moved (including ones that became invalid), sorted.
    public var changed: [String] = []
    /// Schedules no longer enabled, sorted.
    public var removed: [String] = []
    /// Schedules seen at the same revision: nothing recomputed, anchor kept.
    public var unchanged = 0
    /// Schedules now listed as invalid (whatever their revision history).
    public var invalid: [InvalidSchedule] = []

    public init() {}
}

/// What `ScheduleBook.apply(_:)` did with one change.
public enum ChangeEffect: Sendable, Equatable {
    case added
    case changed
    case removed
    /// Same revision: only bookkeeping refreshed.
    case unchanged
    /// The definition cannot be scheduled; listed in `ScheduleBook.invalid`.
    case invalid(InvalidSchedule)
    /// Older than the revision already known: ignored.
    case stale
    /// A removal of a schedule the book does not hold.
    case unknown
}

/// A schedule that has something to do now.
public struct DueOccurrence: Sendable, Equatable {
    /// The definition the plan was computed from.
    public var definition: ScheduleDefinition
    public var plan: OccurrencePlan

    public init(definition: ScheduleDefinition, plan: OccurrencePlan) {
        self.definition = definition
        self.plan = plan
    }
}

/// A schedule with no occurrence left; the service disables it.
public struct ScheduleCompletion: Sendable, Equatable {
    public var scheduleID: String
    public var revision: Int64
    public var reason: CompletionReason

    public init(scheduleID: String, revision: Int64, reason: CompletionReason) {
        self.scheduleID = scheduleID
        self.revision = revision
        self.reason = reason
    }
}

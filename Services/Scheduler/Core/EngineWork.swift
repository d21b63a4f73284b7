import Domain
import Foundation

/// One attempt of one occurrence on its way through the engine.
struct Occurrence: Sendable {
    var definition: ScheduleDefinition
    var scheduledFor: Date
    var attempt: Int
    var triggeredBy: TriggeredBy
    /// When it became due (`scheduledFor`, or a retry's run time).
    var dueAt: Date

    var scheduleID: String { definition.id }

    func skipped(_ reason: SkipReason) -> SkippedOccurrence {
        SkippedOccurrence(
            scheduleID: definition.id, agentName: definition.agentName, scheduledFor: scheduledFor,
            attempt: attempt, triggeredBy: triggeredBy, reason: reason
        )
    }
}

/// How an occurrence batch reaches a decide job.
enum Admission: Sendable {
    /// Fresh: take the lock first.
    case locked
    /// Lock recheck: only if no row exists yet for the first occurrence.
    case ifUnclaimed
    /// Retry after a store failure, without the lock.
    case direct
}

/// Work the engine runs in its own tasks.
enum Job: Sendable {
    /// Overlap decision, then claim and run the first occurrence; the others
    /// (a catch-up batch) wait in the schedule's lane and run one by one.
    case decide([Occurrence], Admission)
    /// Run the lane's waiting occurrences once nothing of the schedule runs.
    case drain(scheduleID: String)
    case recordSkipped([SkippedOccurrence])
    case reportCompletion(ScheduleCompletion)
    /// Full reload of the enabled schedules.
    case resync

    /// Jobs that count against `maxConcurrentExecutions`.
    var needsSlot: Bool {
        switch self {
        case .decide, .drain: true
        case .recordSkipped, .reportCompletion, .resync: false
        }
    }
}

/// Per-schedule serialization for the `skip` and `queue` overlap policies.
struct Lane: Sendable {
    /// A decide or drain job of this schedule is in flight here.
    var busy = false
    /// Occurrences decided to run later, oldest first.
    var waiting: [Occurrence] = []
}

/// Timers other than schedule fire times.
struct FollowUpKey: Hashable, Comparable, Sendable {
    enum Kind: Int, Sendable {
        case retry, lockRecheck, storeRetry, lanePoll
    }

    var scheduleID: String
    var scheduledFor: Date
    var attempt: Int
    var kind: Kind

    static func < (lhs: FollowUpKey, rhs: FollowUpKey) -> Bool {
        (lhs.scheduleID, lhs.scheduledFor, lhs.attempt, lhs.kind.rawValue)
            < (rhs.scheduleID, rhs.scheduledFor, rhs.attempt, rhs.kind.rawValue)
    }
}

struct FollowUp: Sendable {
    var occurrences: [Occurrence]
    var admission: Admission
}

import Cron
public import Foundation

/// The in-memory registry of enabled schedules: each one's definition,
/// anchor (newest occurrence handled) and next fire instant in a `TimerHeap`.
///
/// Anchor rule: a schedule enters the book with `initialAnchor` (see
/// `ScheduleDefinition`). A new revision moves it to
/// `max(current anchor, new initialAnchor)`; the same revision keeps it (only
/// moving forward to `lastScheduledFor` if another replica got further). The
/// anchor never moves back, so a resync or a repeated change never re-fires
/// an occurrence.
public struct ScheduleBook: Sendable {
    struct Entry: Sendable {
        var definition: ScheduleDefinition
        var trigger: Trigger
        var anchor: Date
        var runCount: Int64
    }

    struct Completed: Sendable {
        var revision: Int64
        var anchor: Date
        var runCount: Int64
    }

    public var planner: OccurrencePlanner
    private var entries: [String: Entry] = [:]
    private var timers = TimerHeap<String>()
    private var invalidByID: [String: InvalidSchedule] = [:]
    private var completed: [String: Completed] = [:]
    private var pendingCompletions: [ScheduleCompletion] = []
    /// When the last full snapshot was applied.
    public private(set) var lastSnapshotAt: Date?

    public init(planner: OccurrencePlanner = OccurrencePlanner()) {
        self.planner = planner
    }

    // MARK: Reading

    /// Schedules held (valid, enabled, not completed).
    public var count: Int { entries.count }
    public var scheduleIDs: [String] { entries.keys.sorted() }
    /// Schedules that cannot be run, sorted by id.
    public var invalid: [InvalidSchedule] { invalidByID.values.sorted { $0.id < $1.id } }
    public func definition(of id: String) -> ScheduleDefinition? { entries[id]?.definition }
    public func anchor(of id: String) -> Date? { entries[id]?.anchor ?? completed[id]?.anchor }
    public func nextFire(of id: String) -> Date? { timers.timer(for: id)?.fireAt }
    public func contains(_ id: String) -> Bool { entries[id] != nil }
    public func isCompleted(_ id: String) -> Bool { completed[id] != nil }

    /// The earliest next fire instant of any schedule.
    public mutating func nextWake() -> Date? { timers.peek()?.fireAt }

    /// Completions found since the last call (each reported once).
    public mutating func takeCompletions() -> [ScheduleCompletion] {
        defer { pendingCompletions = [] }
        return pendingCompletions
    }

    // MARK: Firing

    /// Plans every schedule whose next fire instant is at or before `now`
    /// and advances its anchor past the occurrences planned: the caller
    /// must run or record them, the book will not return them again.
    public mutating func popDue(now: Date) -> [DueOccurrence] {
        var due: [DueOccurrence] = []
        for timer in timers.popDue(now: now) {
            guard var entry = entries[timer.id] else { continue }
            let plan = planner.plan(
                for: entry.definition, trigger: entry.trigger, anchor: entry.anchor, now: now, runCount: entry.runCount
            )
            if let handled = plan.handledThrough { entry.anchor = max(entry.anchor, handled) }
            entry.runCount += Int64(plan.runs.count)
            if let reason = plan.completion {
                complete(entry, reason: reason)
            } else {
                entries[timer.id] = entry
                if let next = plan.next { timers.schedule(timer.id, at: next, revision: entry.definition.revision) }
            }
            if !plan.isEmpty || plan.completion != nil {
                due.append(DueOccurrence(definition: entry.definition, plan: plan))
            }
        }
        return due
    }

    /// Records that the occurrence at `scheduledFor` was handled elsewhere:
    /// the anchor moves forward to it (never back) and the next fire instant
    /// is recomputed. Idempotent.
    public mutating func markHandled(scheduleID: String, scheduledFor: Date) {
        guard var entry = entries[scheduleID], scheduledFor > entry.anchor else { return }
        entry.anchor = scheduledFor
        install(entry)
    }

    // MARK: Changes

    /// Applies one upsert or removal.
    @discardableResult
    public mutating func apply(change: ScheduleChange) -> ChangeEffect {
        switch change {
        case .resyncRequested:
            return .unchanged
        case .removed(let id):
            return remove(id) ? .removed : .unknown
        case .upsert(let definition):
            guard definition.enabled else {
                if let done = completed[definition.id] {
                    // Stays known as completed (its pending retries may still run).
                    completed[definition.id]?.revision = max(done.revision, definition.revision)
                    remove(definition.id)
                    return .removed
                }
                return remove(definition.id) ? .removed : .unknown
            }
            return upsert(definition)
        }
    }

    /// Full resync: `definitions` is every enabled schedule. Diffs by
    /// revision; schedules in `preserving` (changed by `apply` after the
    /// snapshot was read) are left as they are.
    @discardableResult
    public mutating func applySnapshot(
        _ definitions: [ScheduleDefinition], now: Date, preserving: Set<String> = []
    ) -> SyncSummary {
        var summary = SyncSummary()
        var seen = Set<String>()
        for definition in definitions where definition.enabled {
            seen.insert(definition.id)
            if preserving.contains(definition.id) {
                summary.unchanged += 1
                continue
            }
            let wasKnown = entries[definition.id] != nil || invalidByID[definition.id] != nil || completed[definition.id] != nil
            switch upsert(definition) {
            case .added: summary.added.append(definition.id)
            case .changed: summary.changed.append(definition.id)
            case .invalid: if wasKnown { summary.changed.append(definition.id) }
            case .unchanged, .stale, .removed, .unknown: summary.unchanged += 1
            }
        }
        for id in Set(entries.keys).union(invalidByID.keys) where !seen.contains(id) && !preserving.contains(id) {
            remove(id)
            summary.removed.append(id)
        }
        for id in completed.keys where !seen.contains(id) && !preserving.contains(id) {
            completed[id] = nil
        }
        summary.added.sort()
        summary.changed.sort()
        summary.removed.sort()
        summary.invalid = invalid
        lastSnapshotAt = now
        return summary
    }

    // MARK: Internals

    private mutating func upsert(_ definition: ScheduleDefinition) -> ChangeEffect {
        let id = definition.id
        if let entry = entries[id] {
            if definition.revision < entry.definition.revision { return .stale }
            if definition.revision == entry.definition.revision {
                var refreshed = entry
                refreshed.definition = definition
                refreshed.runCount = max(entry.runCount, definition.runCount)
                refreshed.anchor = max(entry.anchor, definition.lastScheduledFor ?? .distantPast)
                if refreshed.anchor > entry.anchor { install(refreshed) } else { entries[id] = refreshed }
                return .unchanged
            }
            return installNew(definition, anchor: max(entry.anchor, definition.initialAnchor), runCount: max(entry.runCount, definition.runCount), effect: .changed)
        }
        if let done = completed[id] {
            guard definition.revision > done.revision else { return .unchanged }
            completed[id] = nil
            return installNew(definition, anchor: max(done.anchor, definition.initialAnchor), runCount: definition.runCount, effect: .changed)
        }
        if let invalid = invalidByID[id] {
            if definition.revision <= invalid.revision { return .unchanged }
            return installNew(definition, anchor: definition.initialAnchor, runCount: definition.runCount, effect: .changed)
        }
        return installNew(definition, anchor: definition.initialAnchor, runCount: definition.runCount, effect: .added)
    }

    private mutating func installNew(_ definition: ScheduleDefinition, anchor: Date, runCount: Int64, effect: ChangeEffect) -> ChangeEffect {
        let trigger: Trigger
        do {
            trigger = try definition.trigger()
        } catch {
            let invalid = InvalidSchedule(definition: definition, error: error)
            entries[definition.id] = nil
            timers.cancel(definition.id)
            invalidByID[definition.id] = invalid
            return .invalid(invalid)
        }
        invalidByID[definition.id] = nil
        install(Entry(definition: definition, trigger: trigger, anchor: anchor, runCount: runCount))
        return effect
    }

    /// Stores `entry` and sets its timer to the first occurrence after its
    /// anchor, or completes it when there is none.
    private mutating func install(_ entry: Entry) {
        let definition = entry.definition
        if let maxRuns = definition.maxRuns, entry.runCount >= Int64(maxRuns) {
            return complete(entry, reason: .maxRunsReached)
        }
        guard let next = entry.trigger.next(after: entry.anchor) else {
            return complete(entry, reason: .exhausted)
        }
        if let endAt = definition.endAt, next > endAt {
            return complete(entry, reason: .endReached)
        }
        entries[definition.id] = entry
        timers.schedule(definition.id, at: next, revision: definition.revision)
    }

    private mutating func complete(_ entry: Entry, reason: CompletionReason) {
        let id = entry.definition.id
        entries[id] = nil
        timers.cancel(id)
        completed[id] = Completed(revision: entry.definition.revision, anchor: entry.anchor, runCount: entry.runCount)
        pendingCompletions.append(ScheduleCompletion(scheduleID: id, revision: entry.definition.revision, reason: reason))
    }

    @discardableResult
    private mutating func remove(_ id: String) -> Bool {
        let held = entries.removeValue(forKey: id) != nil
        let invalid = invalidByID.removeValue(forKey: id) != nil
        timers.cancel(id)
        return held || invalid
    }
}

public import Cron
public import Domain
public import Foundation

/// Decides, for one schedule at `now`, which occurrences run, which are
/// recorded as missed and when it fires next (CRON.md "Missed and
/// overlapping runs").
///
/// The occurrences considered are those strictly after `anchor` and at or
/// before `now` (and not after `end_at`). `anchor` is the newest occurrence
/// already handled, or `ScheduleDefinition.initialAnchor` for a schedule the
/// scheduler has not handled yet. Rules:
///
/// - Lateness `now - scheduledFor <= misfire_grace_seconds` (boundary
///   included): on time, runs with `triggeredBy: .schedule` (at most
///   `maxRunsPerKind` of them, the newest; older ones count as missed).
/// - Later: missed, and the `catchup` policy applies:
///   - `latest`: the newest missed occurrence runs as `.catchup` and the
///     others are skipped, unless an on-time occurrence runs in the same plan:
///     it is then the most recent one and every missed one is skipped (CRON.md
///     "run once for the most recent missed occurrence": once, not twice).
///   - `none`: all missed are skipped.
///   - `all`: the newest `CatchupPolicy.maxCatchupRuns` missed run as
///     `.catchup`, older ones are skipped.
/// - Of the skipped occurrences the newest `maxRecordedSkips` are listed for
///   recording; the rest are only counted (`unrecordedSkips`).
/// - `max_runs`: runs beyond `max_runs - run_count` are dropped (the earliest
///   ones run) and the plan completes the schedule; nothing is recorded for
///   occurrences past the limit.
/// - `end_at`: no occurrence after it; when the next one would be, the plan
///   completes the schedule. A trigger with no next occurrence (`once`)
///   completes it too.
public struct OccurrencePlanner: Sendable {
    /// Skipped rows listed per plan, newest first (a month of downtime on
    /// `* * * * *` records 100 rows, not 43,000).
    public var maxRecordedSkips: Int
    /// On-time runs per plan (only reachable with a very long grace).
    public var maxRunsPerKind: Int
    /// Occurrences enumerated one by one before switching to the bounded
    /// search for the newest ones (then the skip count is a lower bound).
    public var exactCountLimit: Int

    public init(maxRecordedSkips: Int = 100, maxRunsPerKind: Int = CatchupPolicy.maxCatchupRuns, exactCountLimit: Int = 50_000) {
        self.maxRecordedSkips = max(0, maxRecordedSkips)
        self.maxRunsPerKind = max(1, maxRunsPerKind)
        self.exactCountLimit = max(1, exactCountLimit)
    }

    public func plan(
        for definition: ScheduleDefinition, trigger: Trigger, anchor: Date, now: Date, runCount: Int64? = nil
    ) -> OccurrencePlan {
        let runsSoFar = runCount ?? definition.runCount
        if let maxRuns = definition.maxRuns, runsSoFar >= Int64(maxRuns) {
            return OccurrencePlan(completion: .maxRunsReached)
        }
        let through = definition.endAt.map { min($0, now) } ?? now
        let keep = maxRunsPerKind + CatchupPolicy.maxCatchupRuns + maxRecordedSkips
        let scan = OccurrenceScan.scan(trigger, after: anchor, through: through, keep: keep, budget: exactCountLimit)

        let grace = TimeInterval(max(0, definition.misfireGraceSeconds))
        let firstOnTime = scan.recent.firstIndex { now.timeIntervalSince($0) <= grace } ?? scan.recent.endIndex
        var onTime = Array(scan.recent[firstOnTime...])
        var missed = Array(scan.recent[..<firstOnTime])
        if onTime.count > maxRunsPerKind {
            missed += onTime.prefix(onTime.count - maxRunsPerKind)
            onTime.removeFirst(onTime.count - maxRunsPerKind)
        }
        let catchup: [Date]
        switch definition.catchup {
        case .latest: catchup = onTime.isEmpty ? Array(missed.suffix(1)) : []
        case .none: catchup = []
        case .all: catchup = Array(missed.suffix(CatchupPolicy.maxCatchupRuns))
        }
        missed.removeLast(catchup.count)

        var runs = catchup.map { PlannedRun(scheduledFor: $0, triggeredBy: .catchup) }
            + onTime.map { PlannedRun(scheduledFor: $0, triggeredBy: .schedule) }
        var plan = OccurrencePlan(handledThrough: scan.recent.last)
        plan.skipped = Array(missed.suffix(maxRecordedSkips))
        plan.unrecordedSkips = max(0, scan.count - runs.count - plan.skipped.count)
        plan.unrecordedSkipsIsLowerBound = !scan.isExact

        if let maxRuns = definition.maxRuns, runsSoFar + Int64(runs.count) >= Int64(maxRuns) {
            runs = Array(runs.prefix(Int(Int64(maxRuns) - runsSoFar)))
            plan.runs = runs
            plan.completion = .maxRunsReached
            return plan
        }
        plan.runs = runs
        if let next = trigger.next(after: scan.recent.last ?? anchor) {
            if let endAt = definition.endAt, next > endAt {
                plan.completion = .endReached
            } else {
                plan.next = next
            }
        } else {
            plan.completion = .exhausted
        }
        return plan
    }
}

public import Domain

/// What to do with an occurrence that is due while the schedule may still be
/// running (CRON.md "Overlap").
public enum OverlapDecision: Sendable, Hashable {
    /// Start it now.
    case run
    /// Record it as `skipped` with this reason and do not run it.
    case skip(reason: SkipReason)
    /// Hold it and run it right after the current execution finishes.
    case queue

    /// - Parameters:
    ///   - policy: the schedule's `overlap` policy.
    ///   - isRunning: an execution of the schedule is running now (any replica).
    ///   - queued: occurrences of the schedule already waiting to run.
    public static func decide(policy: OverlapPolicy, isRunning: Bool, queued: Int) -> OverlapDecision {
        switch policy {
        case .allow:
            return .run
        case .skip:
            return isRunning ? .skip(reason: .overlap) : .run
        case .queue:
            if !isRunning && queued == 0 { return .run }
            // At most one waiting: a second one is skipped.
            return queued == 0 ? .queue : .skip(reason: .overlap)
        }
    }
}

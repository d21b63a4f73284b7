/// How a schedule fires: from `cron_expression`, once at `run_at`, or every `interval_seconds`.
public enum TriggerKind: String, Sendable, Codable, CaseIterable, Hashable {
    case cron
    case once
    case interval
}

/// What to do with occurrences missed beyond `misfire_grace_seconds` (CRON.md "Misfire").
public enum CatchupPolicy: String, Sendable, Codable, CaseIterable, Hashable {
    /// Run once for the most recent missed occurrence (default).
    case latest
    /// Run nothing.
    case none
    /// Run each missed occurrence, at most `CatchupPolicy.maxCatchupRuns`.
    case all

    public static let maxCatchupRuns = 100
}

/// What to do when an occurrence is due while the previous execution still runs.
public enum OverlapPolicy: String, Sendable, Codable, CaseIterable, Hashable {
    /// Record the occurrence as skipped (reason `overlap`) (default).
    case skip
    /// Run it right after the current one finishes; at most one waiting.
    case queue
    /// Run concurrently.
    case allow
}

/// When to call the schedule's webhook after a run.
public enum NotifyPolicy: String, Sendable, Codable, CaseIterable, Hashable {
    case never
    case failure
    case always
}

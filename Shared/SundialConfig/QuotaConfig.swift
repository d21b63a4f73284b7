/// Per-owner and per-agent limits the API enforces with `429 quota_exceeded` (admins are
/// exempt; 0 means unlimited).
public struct QuotaConfig: Sendable, Equatable {
    /// `SUNDIAL_MAX_SCHEDULES_PER_OWNER`: schedules one user may own.
    public var schedulesPerOwner: Int
    /// `SUNDIAL_MAX_AGENTS_PER_OWNER`: agents one user may register.
    public var agentsPerOwner: Int
    /// `SUNDIAL_MAX_ACTIVE_EXECUTIONS_PER_AGENT`: runs of one agent queued or running at once
    /// before manual triggers and tasks are refused (scheduled occurrences are never refused).
    public var activeExecutionsPerAgent: Int

    public init(environment env: Environment) throws(ConfigError) {
        schedulesPerOwner = try env.int("SUNDIAL_MAX_SCHEDULES_PER_OWNER", default: 500, range: 0...10_000_000)
        agentsPerOwner = try env.int("SUNDIAL_MAX_AGENTS_PER_OWNER", default: 100, range: 0...1_000_000)
        activeExecutionsPerAgent = try env.int("SUNDIAL_MAX_ACTIVE_EXECUTIONS_PER_AGENT", default: 200, range: 0...1_000_000)
    }
}

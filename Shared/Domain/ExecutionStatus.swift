/// Lifecycle of one execution row.
public enum ExecutionStatus: String, Sendable, Codable, CaseIterable, Hashable {
    case pending
    case running
    case success
    case failed
    case skipped
    case cancelled

    /// No further change happens to an execution in this state.
    public var isFinal: Bool {
        switch self {
        case .pending, .running: false
        case .success, .failed, .skipped, .cancelled: true
        }
    }
}

/// Why an execution exists.
public enum TriggeredBy: String, Sendable, Codable, CaseIterable, Hashable {
    case schedule
    case manual
    case agent
    case retry
    case catchup
}

/// Why an occurrence was recorded as `skipped` instead of running.
public enum SkipReason: String, Sendable, Codable, CaseIterable, Hashable {
    case overlap
    case missed
    case agentStopped = "agent_stopped"
    case autonomyDisabled = "autonomy_disabled"
    case scheduleDisabled = "schedule_disabled"
}

/// Agent state shown as `status`.
public enum AgentStatus: String, Sendable, Codable, CaseIterable, Hashable {
    case running
    case stopped
    case unreachable
}

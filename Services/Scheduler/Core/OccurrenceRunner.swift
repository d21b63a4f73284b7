public import Domain
public import Foundation

/// How one attempt ended.
public enum RunOutcome: Sendable, Hashable {
    /// `details`: whatever the store records with the result (response, cost, …).
    case success(details: JSONValue = .null)
    /// A clear error message (agent busy, refused, 5xx, timeout, …).
    case failed(error: String, details: JSONValue = .null)
    /// Aborted (cancel request or shutdown); never retried.
    case cancelled(reason: String)

    public var status: ExecutionStatus {
        switch self {
        case .success: .success
        case .failed: .failed
        case .cancelled: .cancelled
        }
    }
}

/// Executes one claimed attempt. Production: the agent client
/// (`POST {agent}/api/task`, per-schedule timeout, 429 backoff); tests:
/// `ScriptedRunner`. Must return promptly with `.cancelled` when the calling
/// task is cancelled.
public protocol OccurrenceRunner: Sendable {
    func run(_ definition: ScheduleDefinition, executionID: String, scheduledFor: Date, attempt: Int) async -> RunOutcome
}

/// How the scheduler reaches agents. ``AgentClient`` is the real one; tests
/// put an in-memory fake in its place.
public protocol AgentTransport: Sendable {
    /// Runs one task on the agent at `endpoint`; see ``AgentClient/runTask(endpoint:request:timeout:)``.
    func runTask(endpoint: String, request: AgentTaskRequest, timeout: Duration) async throws -> AgentTaskOutcome
    /// Whether the agent at `endpoint` reports itself ready.
    func health(endpoint: String, timeout: Duration) async -> Bool
}

extension AgentTransport {
    /// ``health(endpoint:timeout:)`` with a 5-second limit.
    public func health(endpoint: String) async -> Bool {
        await health(endpoint: endpoint, timeout: .seconds(5))
    }
}

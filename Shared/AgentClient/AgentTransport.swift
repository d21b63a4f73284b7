/// How the scheduler reaches agents. ``AgentClient`` is the real one; tests
/// put an in-memory fake in its place.
public protocol AgentTransport: Sendable {
    /// Runs one task on the agent at `endpoint`; see ``AgentClient/runTask(endpoint:request:timeout:)``.
    func runTask(endpoint: String, request: AgentTaskRequest, timeout: Duration) async throws -> AgentTaskOutcome
    /// Whether the agent at `endpoint` reports itself ready.
    func health(endpoint: String, timeout: Duration) async -> Bool
}

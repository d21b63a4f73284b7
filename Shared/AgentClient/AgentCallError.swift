/// Why an agent call produced no result, classified for the scheduler.
///
/// `message` is written for people and goes into the execution's `error`
/// as is: "agent busy (429)", "agent timed out after 900s",
/// "agent unreachable: connection refused to http://…",
/// "agent returned HTTP 503: …".
public struct AgentCallError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// 429: the agent is at capacity. Retry later; not a failure of the task.
        case busy(retryAfter: Duration?)
        /// No complete response within the call's timeout.
        case timeout
        /// No connection: refused, host unknown, no route, connect timeout.
        case unreachable
        /// Any status other than 2xx and 429, with the start of the body.
        case serverError(status: Int, body: String)
        /// A 2xx whose body is not the agent protocol's JSON, or too large.
        case badResponse(String)
        /// The connection broke after it was made (empty reply, reset, TLS).
        case transport
        /// The HTTP client was shut down under the call.
        case cancelled
    }

    public var kind: Kind
    public var message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// A stable machine-readable name for the kind, for logs and metrics labels.
    public var code: String {
        switch kind {
        case .busy: "agent_busy"
        case .timeout: "agent_timeout"
        case .unreachable: "agent_unreachable"
        case .serverError: "agent_http_error"
        case .badResponse: "agent_bad_response"
        case .transport: "agent_transport_error"
        case .cancelled: "agent_call_cancelled"
        }
    }

    /// True for a busy agent: the occurrence should be retried, not failed.
    public var isBusy: Bool {
        if case .busy = kind { return true }
        return false
    }

    public var description: String { message }
}

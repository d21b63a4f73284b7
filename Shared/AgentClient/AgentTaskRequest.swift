public import Domain

/// The body of `POST {agent}/api/task`.
public struct AgentTaskRequest: Sendable, Hashable, Encodable {
    public var message: String
    /// A JSON object handed to the agent as is.
    public var context: JSONValue
    public var model: String?
    public var allowedTools: [String]?
    /// How long the agent itself may work on the task.
    public var timeoutSeconds: Int
    /// Sundial's execution id, so the agent's logs can be matched to it.
    public var executionID: String
    /// Continue an earlier agent session instead of starting a new one.
    public var sessionID: String?

    public init(
        message: String,
        context: JSONValue = .object([:]),
        model: String? = nil,
        allowedTools: [String]? = nil,
        timeoutSeconds: Int,
        executionID: String,
        sessionID: String? = nil
    ) {
        self.message = message
        self.context = context
        self.model = model
        self.allowedTools = allowedTools
        self.timeoutSeconds = timeoutSeconds
        self.executionID = executionID
        self.sessionID = sessionID
    }

    enum CodingKeys: String, CodingKey {
        case message
        case context
        case model
        case allowedTools = "allowed_tools"
        case timeoutSeconds = "timeout_seconds"
        case executionID = "execution_id"
        case sessionID = "session_id"
    }

    /// Absent optionals are left out of the JSON rather than sent as `null`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(message, forKey: .message)
        try container.encode(context, forKey: .context)
        try container.encodeIfPresent(model, forKey: .model)
        try container.encodeIfPresent(allowedTools, forKey: .allowedTools)
        try container.encode(timeoutSeconds, forKey: .timeoutSeconds)
        try container.encode(executionID, forKey: .executionID)
        try container.encodeIfPresent(sessionID, forKey: .sessionID)
    }
}

public import Domain

/// What an agent answers to `POST /api/task` with a 2xx status.
///
/// Only `response` is required. The other fields are optional, and a
/// `metadata` field of an unexpected type reads as absent rather than failing
/// a task the agent did finish.
public struct AgentTaskResult: Sendable, Hashable, Decodable {
    public struct Metadata: Sendable, Hashable, Decodable {
        public var costUSD: Double?
        public var durationMS: Int?
        public var numTurns: Int?
        public var toolCount: Int?
        public var inputTokens: Int?
        public var outputTokens: Int?
        public var contextWindow: Int?

        public init(
            costUSD: Double? = nil,
            durationMS: Int? = nil,
            numTurns: Int? = nil,
            toolCount: Int? = nil,
            inputTokens: Int? = nil,
            outputTokens: Int? = nil,
            contextWindow: Int? = nil
        ) {
            self.costUSD = costUSD
            self.durationMS = durationMS
            self.numTurns = numTurns
            self.toolCount = toolCount
            self.inputTokens = inputTokens
            self.outputTokens = outputTokens
            self.contextWindow = contextWindow
        }

        enum CodingKeys: String, CodingKey {
            case costUSD = "cost_usd"
            case durationMS = "duration_ms"
            case numTurns = "num_turns"
            case toolCount = "tool_count"
            case inputTokens = "input_tokens"
            case outputTokens = "output_tokens"
            case contextWindow = "context_window"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            func number(_ key: CodingKeys) -> JSONValue? {
                (try? container.decodeIfPresent(JSONValue.self, forKey: key)) ?? nil
            }
            // Counts sent as 12.0 are still counts; 12.5 is not, and reads as absent.
            costUSD = number(.costUSD)?.doubleValue
            durationMS = number(.durationMS)?.intValue
            numTurns = number(.numTurns)?.intValue
            toolCount = number(.toolCount)?.intValue
            inputTokens = number(.inputTokens)?.intValue
            outputTokens = number(.outputTokens)?.intValue
            contextWindow = number(.contextWindow)?.intValue
        }
    }

    /// The agent's answer, as received (see ``ResponseTruncation`` for storing it).
    public var response: String
    public var executionLog: JSONValue?
    public var metadata: Metadata?
    public var sessionID: String?
    /// The agent's own timestamp, verbatim.
    public var timestamp: String?

    public init(
        response: String,
        executionLog: JSONValue? = nil,
        metadata: Metadata? = nil,
        sessionID: String? = nil,
        timestamp: String? = nil
    ) {
        self.response = response
        self.executionLog = executionLog
        self.metadata = metadata
        self.sessionID = sessionID
        self.timestamp = timestamp
    }

    enum CodingKeys: String, CodingKey {
        case response
        case executionLog = "execution_log"
        case metadata
        case sessionID = "session_id"
        case timestamp
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        response = try container.decode(String.self, forKey: .response)
        executionLog = try container.decodeIfPresent(JSONValue.self, forKey: .executionLog)
        if executionLog == .null {
            executionLog = nil
        }
        metadata = (try? container.decodeIfPresent(Metadata.self, forKey: .metadata)) ?? nil
        sessionID = (try? container.decodeIfPresent(String.self, forKey: .sessionID)) ?? nil
        timestamp = (try? container.decodeIfPresent(String.self, forKey: .timestamp)) ?? nil
    }
}

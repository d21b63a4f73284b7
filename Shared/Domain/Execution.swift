import Cron
import Foundation

/// One run (or recorded non-run) of a schedule or an ad-hoc task, as the API shows it.
public struct Execution: Sendable, Equatable, Encodable {
    public var id: String
    public var scheduleID: String?
    public var scheduleName: String?
    public var agentName: String
    public var status: ExecutionStatus
    public var triggeredBy: TriggeredBy
    public var scheduledFor: Date
    public var attempt: Int
    public var skipReason: String?
    public var error: String?
    public var startedAt: Date?
    public var completedAt: Date?
    public var durationMs: Int?
    public var message: String
    public var response: String?
    public var responseTruncated: Bool
    public var contextUsed: Int?
    public var contextMax: Int?
    public var cost: Double?
    public var toolCalls: Int?
    public var modelUsed: String?
    public var sessionID: String?
    /// The conversation this run belongs to (its schedule's `session_key`, or a task's).
    public var sessionKey: String? = nil
    public var workerID: String?
    public var createdAt: Date
    /// Only in single-execution answers (lists leave it out to stay small).
    public var executionLog: JSONValue?
    public var includesLog: Bool

    public init(
        id: String, scheduleID: String?, scheduleName: String?, agentName: String, status: ExecutionStatus,
        triggeredBy: TriggeredBy, scheduledFor: Date, attempt: Int, skipReason: String?, error: String?,
        startedAt: Date?, completedAt: Date?, durationMs: Int?, message: String, response: String?,
        responseTruncated: Bool, contextUsed: Int?, contextMax: Int?, cost: Double?, toolCalls: Int?,
        modelUsed: String?, sessionID: String?, workerID: String?, createdAt: Date, executionLog: JSONValue?,
        includesLog: Bool
    ) {
        self.id = id
        self.scheduleID = scheduleID
        self.scheduleName = scheduleName
        self.agentName = agentName
        self.status = status
        self.triggeredBy = triggeredBy
        self.scheduledFor = scheduledFor
        self.attempt = attempt
        self.skipReason = skipReason
        self.error = error
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.durationMs = durationMs
        self.message = message
        self.response = response
        self.responseTruncated = responseTruncated
        self.contextUsed = contextUsed
        self.contextMax = contextMax
        self.cost = cost
        self.toolCalls = toolCalls
        self.modelUsed = modelUsed
        self.sessionID = sessionID
        self.workerID = workerID
        self.createdAt = createdAt
        self.executionLog = executionLog
        self.includesLog = includesLog
    }

    enum CodingKeys: String, CodingKey {
        case id, status, attempt, error, message, response, cost
        case scheduleID = "schedule_id"
        case scheduleName = "schedule_name"
        case agentName = "agent_name"
        case triggeredBy = "triggered_by"
        case scheduledFor = "scheduled_for"
        case skipReason = "skip_reason"
        case startedAt = "started_at"
        case completedAt = "completed_at"
        case durationMs = "duration_ms"
        case responseTruncated = "response_truncated"
        case contextUsed = "context_used"
        case contextMax = "context_max"
        case toolCalls = "tool_calls"
        case modelUsed = "model_used"
        case sessionID = "session_id"
        case sessionKey = "session_key"
        case workerID = "worker_id"
        case createdAt = "created_at"
        case executionLog = "execution_log"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(scheduleID, forKey: .scheduleID)
        try c.encode(scheduleName, forKey: .scheduleName)
        try c.encode(agentName, forKey: .agentName)
        try c.encode(status, forKey: .status)
        try c.encode(triggeredBy, forKey: .triggeredBy)
        try c.encode(InstantFormat.stringWithMilliseconds(scheduledFor), forKey: .scheduledFor)
        try c.encode(attempt, forKey: .attempt)
        try c.encode(skipReason, forKey: .skipReason)
        try c.encode(error, forKey: .error)
        try c.encode(startedAt.map(InstantFormat.stringWithMilliseconds), forKey: .startedAt)
        try c.encode(completedAt.map(InstantFormat.stringWithMilliseconds), forKey: .completedAt)
        try c.encode(durationMs, forKey: .durationMs)
        try c.encode(message, forKey: .message)
        try c.encode(response, forKey: .response)
        try c.encode(responseTruncated, forKey: .responseTruncated)
        try c.encode(contextUsed, forKey: .contextUsed)
        try c.encode(contextMax, forKey: .contextMax)
        try c.encode(cost, forKey: .cost)
        try c.encode(toolCalls, forKey: .toolCalls)
        try c.encode(modelUsed, forKey: .modelUsed)
        try c.encode(sessionID, forKey: .sessionID)
        try c.encode(sessionKey, forKey: .sessionKey)
        try c.encode(workerID, forKey: .workerID)
        try c.encode(InstantFormat.stringWithMilliseconds(createdAt), forKey: .createdAt)
        if includesLog { try c.encode(executionLog, forKey: .executionLog) }
    }
}

import Domain

/// One execution (a run of a schedule or an ad-hoc task); `json` is the whole object as the
/// API sent it.
public struct ExecutionInfo: Sendable, Equatable {
    public let json: JSONValue
    public var id: String
    public var scheduleID: String?
    public var scheduleName: String?
    public var agentName: String
    /// `pending`, `running`, `success`, `failed`, `skipped` or `cancelled`.
    public var status: String
    public var triggeredBy: String
    public var scheduledFor: String?
    public var startedAt: String?
    public var completedAt: String?
    public var durationMs: Int?
    public var message: String
    public var response: String?
    public var error: String?
    public var skipReason: String?
    public var cost: Double?

    public init(json: JSONValue) throws(SundialClientError) {
        let fields = try JSONFields(json, what: "execution")
        self.json = json
        id = try fields.string("id")
        scheduleID = fields.optionalString("schedule_id")
        scheduleName = fields.optionalString("schedule_name")
        agentName = try fields.string("agent_name")
        status = try fields.string("status")
        triggeredBy = try fields.string("triggered_by")
        scheduledFor = fields.optionalString("scheduled_for")
        startedAt = fields.optionalString("started_at")
        completedAt = fields.optionalString("completed_at")
        durationMs = fields.optionalInt("duration_ms")
        message = try fields.string("message")
        response = fields.optionalString("response")
        error = fields.optionalString("error")
        skipReason = fields.optionalString("skip_reason")
        cost = fields.optionalDouble("cost")
    }

    /// Whether the execution has ended (nothing more will happen to it).
    public var isFinished: Bool {
        ["success", "failed", "skipped", "cancelled"].contains(status)
    }
}

import Domain

/// One event from `/ws/events` (`schedule_execution_started`, `…_completed`, `…_skipped`, …);
/// `json` is the whole message as the server sent it.
public struct SundialEvent: Sendable, Equatable {
    public let json: JSONValue
    public var type: String
    /// The durable event id (`events.id`); resuming with `since` continues after it.
    public var eventID: Int64?
    public var agent: String?
    public var scheduleID: String?
    public var scheduleName: String?
    public var executionID: String?
    public var status: String?
    public var timestamp: String?

    public init(json: JSONValue) throws(SundialClientError) {
        let fields = try JSONFields(json, what: "event")
        self.json = json
        type = try fields.string("type")
        eventID = fields.optionalInt("event_id").map(Int64.init)
        agent = fields.optionalString("agent") ?? fields.optionalString("agent_name")
        scheduleID = fields.optionalString("schedule_id")
        scheduleName = fields.optionalString("schedule_name")
        executionID = fields.optionalString("execution_id")
        status = fields.optionalString("status") ?? fields.optionalString("reason")
        timestamp = fields.optionalString("timestamp")
    }
}

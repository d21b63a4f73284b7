import Domain

/// A schedule as the API shows it; `json` is the whole object as the API sent it.
public struct ScheduleInfo: Sendable, Equatable {
    public let json: JSONValue
    public var id: String
    public var agentName: String
    public var name: String
    /// `cron`, `once` or `interval`.
    public var trigger: String
    public var cronExpression: String?
    public var runAt: String?
    public var intervalSeconds: Int?
    public var timezone: String
    public var message: String
    public var enabled: Bool
    /// `pending` (one-time, not yet run), `recurring`, `completed` or `paused`.
    public var status: String
    public var nextRunAt: String?
    public var lastRunAt: String?
    public var description: String?
    public var owner: String
    public var sessionKey: String?
    public var destination: JSONValue?

    public init(json: JSONValue) throws(SundialClientError) {
        let fields = try JSONFields(json, what: "schedule")
        self.json = json
        id = try fields.string("id")
        agentName = try fields.string("agent_name")
        name = try fields.string("name")
        trigger = try fields.string("trigger")
        cronExpression = fields.optionalString("cron_expression")
        runAt = fields.optionalString("run_at")
        intervalSeconds = fields.optionalInt("interval_seconds")
        timezone = try fields.string("timezone")
        message = try fields.string("message")
        enabled = try fields.bool("enabled")
        status = try fields.string("status")
        nextRunAt = fields.optionalString("next_run_at")
        lastRunAt = fields.optionalString("last_run_at")
        description = fields.optionalString("description")
        owner = try fields.string("owner")
        sessionKey = fields.optionalString("session_key")
        destination = fields.value("destination")
    }

    /// `0 9 * * 1-5 Europe/Berlin`, `once 2030-05-14T12:00:00Z`, `every 900s`.
    public var when: String {
        switch trigger {
        case "cron": "\(cronExpression ?? "?") \(timezone)"
        case "once": "once \(runAt ?? "?")"
        case "interval": "every \(intervalSeconds.map(String.init) ?? "?")s"
        default: trigger
        }
    }
}

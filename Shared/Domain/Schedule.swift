import Cron
import Foundation

/// A schedule as stored and as the API shows it (JSON keys are the snake_case names).
public struct Schedule: Sendable, Equatable, Encodable {
    /// Derived `status` of API.md.
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// A one-time schedule that has not run yet.
        case pending
        /// A repeating schedule that is enabled.
        case recurring
        /// Done: a one-time schedule that ran, or one that reached `max_runs`/`end_at`.
        case completed
        /// Disabled by a user, by fleet-wide pause, or auto-paused after failures.
        case paused
    }

    public var id: String
    public var agentName: String
    public var owner: String
    public var name: String
    public var trigger: TriggerKind
    public var cronExpression: String?
    public var runAt: Date?
    public var intervalSeconds: Int?
    public var startAt: Date?
    public var timezone: String
    public var message: String
    public var context: [String: JSONValue]
    public var enabled: Bool
    public var description: String?
    public var timeoutSeconds: Int
    public var allowedTools: [String]?
    public var model: String?
    public var maxRetries: Int
    public var retryDelaySeconds: Int
    public var catchup: CatchupPolicy
    public var overlap: OverlapPolicy
    public var misfireGraceSeconds: Int
    public var notify: NotifyPolicy
    public var notifyWebhookURL: String?
    public var destination: JSONValue?
    public var sessionKey: String?
    public var maxRuns: Int?
    public var endAt: Date?
    public var maxConsecutiveFailures: Int
    public var pausedReason: String?
    public var consecutiveFailures: Int
    public var runCount: Int
    public var lastRunAt: Date?
    public var nextRunAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var revision: Int64

    enum CodingKeys: String, CodingKey {
        case id, owner, name, trigger, timezone, message, context, enabled, description, model, catchup, overlap, notify
        case destination, revision, status
        case cronDescription = "cron_description"
        case runAtLocal = "run_at_local"
        case agentName = "agent_name"
        case cronExpression = "cron_expression"
        case runAt = "run_at"
        case intervalSeconds = "interval_seconds"
        case startAt = "start_at"
        case timeoutSeconds = "timeout_seconds"
        case allowedTools = "allowed_tools"
        case maxRetries = "max_retries"
        case retryDelaySeconds = "retry_delay_seconds"
        case misfireGraceSeconds = "misfire_grace_seconds"
        case notifyWebhookURL = "notify_webhook_url"
        case sessionKey = "session_key"
        case maxRuns = "max_runs"
        case endAt = "end_at"
        case maxConsecutiveFailures = "max_consecutive_failures"
        case pausedReason = "paused_reason"
        case consecutiveFailures = "consecutive_failures"
        case runCount = "run_count"
        case lastRunAt = "last_run_at"
        case nextRunAt = "next_run_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(
        id: String,
        agentName: String,
        owner: String,
        name: String,
        trigger: TriggerKind,
        cronExpression: String?,
        runAt: Date?,
        intervalSeconds: Int?,
        startAt: Date?,
        timezone: String,
        message: String,
        context: [String: JSONValue],
        enabled: Bool,
        description: String?,
        timeoutSeconds: Int,
        allowedTools: [String]?,
        model: String?,
        maxRetries: Int,
        retryDelaySeconds: Int,
        catchup: CatchupPolicy,
        overlap: OverlapPolicy,
        misfireGraceSeconds: Int,
        notify: NotifyPolicy,
        notifyWebhookURL: String?,
        destination: JSONValue?,
        sessionKey: String?,
        maxRuns: Int?,
        endAt: Date?,
        maxConsecutiveFailures: Int,
        pausedReason: String?,
        consecutiveFailures: Int,
        runCount: Int,
        lastRunAt: Date?,
        nextRunAt: Date?,
        createdAt: Date,
        updatedAt: Date,
        revision: Int64
    ) {
        self.id = id
        self.agentName = agentName
        self.owner = owner
        self.name = name
        self.trigger = trigger
        self.cronExpression = cronExpression
        self.runAt = runAt
        self.intervalSeconds = intervalSeconds
        self.startAt = startAt
        self.timezone = timezone
        self.message = message
        self.context = context
        self.enabled = enabled
        self.description = description
        self.timeoutSeconds = timeoutSeconds
        self.allowedTools = allowedTools
        self.model = model
        self.maxRetries = maxRetries
        self.retryDelaySeconds = retryDelaySeconds
        self.catchup = catchup
        self.overlap = overlap
        self.misfireGraceSeconds = misfireGraceSeconds
        self.notify = notify
        self.notifyWebhookURL = notifyWebhookURL
        self.destination = destination
        self.sessionKey = sessionKey
        self.maxRuns = maxRuns
        self.endAt = endAt
        self.maxConsecutiveFailures = maxConsecutiveFailures
        self.pausedReason = pausedReason
        self.consecutiveFailures = consecutiveFailures
        self.runCount = runCount
        self.lastRunAt = lastRunAt
        self.nextRunAt = nextRunAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.revision = revision
    }

    /// `pending` / `recurring` / `completed` / `paused`, derived from the stored fields.
    public var status: Status {
        if enabled { return trigger == .once ? .pending : .recurring }
        if pausedReason != nil { return .paused }
        if trigger == .once && lastRunAt != nil { return .completed }
        if let maxRuns, runCount >= maxRuns { return .completed }
        // The scheduler disables a schedule whose `end_at` has passed and clears `next_run_at`.
        if endAt != nil && nextRunAt == nil && lastRunAt != nil { return .completed }
        return .paused
    }

    /// Every key is written, `null` included, so clients see the full shape. Fire times are
    /// whole seconds (`2024-03-10T07:30:00Z`); record times carry milliseconds.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(agentName, forKey: .agentName)
        try c.encode(owner, forKey: .owner)
        try c.encode(name, forKey: .name)
        try c.encode(trigger, forKey: .trigger)
        try c.encode(cronExpression, forKey: .cronExpression)
        try c.encode(runAt.map(InstantFormat.string), forKey: .runAt)
        try c.encode(intervalSeconds, forKey: .intervalSeconds)
        try c.encode(startAt.map(InstantFormat.string), forKey: .startAt)
        try c.encode(timezone, forKey: .timezone)
        try c.encode(message, forKey: .message)
        try c.encode(context, forKey: .context)
        try c.encode(enabled, forKey: .enabled)
        try c.encode(description, forKey: .description)
        try c.encode(timeoutSeconds, forKey: .timeoutSeconds)
        try c.encode(allowedTools, forKey: .allowedTools)
        try c.encode(model, forKey: .model)
        try c.encode(maxRetries, forKey: .maxRetries)
        try c.encode(retryDelaySeconds, forKey: .retryDelaySeconds)
        try c.encode(catchup, forKey: .catchup)
        try c.encode(overlap, forKey: .overlap)
        try c.encode(misfireGraceSeconds, forKey: .misfireGraceSeconds)
        try c.encode(notify, forKey: .notify)
        try c.encode(notifyWebhookURL, forKey: .notifyWebhookURL)
        try c.encode(destination, forKey: .destination)
        try c.encode(sessionKey, forKey: .sessionKey)
        try c.encode(maxRuns, forKey: .maxRuns)
        try c.encode(endAt.map(InstantFormat.string), forKey: .endAt)
        try c.encode(maxConsecutiveFailures, forKey: .maxConsecutiveFailures)
        try c.encode(pausedReason, forKey: .pausedReason)
        try c.encode(consecutiveFailures, forKey: .consecutiveFailures)
        try c.encode(runCount, forKey: .runCount)
        try c.encode(lastRunAt.map(InstantFormat.string), forKey: .lastRunAt)
        try c.encode(nextRunAt.map(InstantFormat.string), forKey: .nextRunAt)
        try c.encode(InstantFormat.stringWithMilliseconds(createdAt), forKey: .createdAt)
        try c.encode(InstantFormat.stringWithMilliseconds(updatedAt), forKey: .updatedAt)
        try c.encode(revision, forKey: .revision)
        try c.encode(status, forKey: .status)
        try c.encode(firingDescription, forKey: .cronDescription)
        try c.encode(runAtLocal, forKey: .runAtLocal)
    }
}

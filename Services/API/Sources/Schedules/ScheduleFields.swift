import APISupport
import Cron
import Domain
import Foundation

/// The writable fields of a schedule. Create starts from the defaults, `PUT` from the stored
/// schedule; the request body is applied on top (absent keys leave a field unchanged, `null`
/// clears a nullable one), then the whole is validated.
struct ScheduleFields: Sendable, Equatable {
    var name = ""
    var message = ""
    var trigger: TriggerKind = .cron
    var cronExpression: String?
    var runAt: Date?
    var intervalSeconds: Int?
    var startAt: Date?
    var timezone = "UTC"
    var context: [String: JSONValue] = [:]
    var enabled = true
    var description: String?
    var timeoutSeconds = 900
    var allowedTools: [String]?
    var model: String?
    var maxRetries = 0
    var retryDelaySeconds = 60
    var catchup: CatchupPolicy = .latest
    var overlap: OverlapPolicy = .skip
    var misfireGraceSeconds = 60
    var notify: NotifyPolicy = .failure
    var notifyWebhookURL: String?
    var destination: JSONValue?
    var sessionKey: String?
    var maxRuns: Int?
    var endAt: Date?
    var maxConsecutiveFailures = 5

    init() {}

    init(_ schedule: Schedule) {
        name = schedule.name
        message = schedule.message
        trigger = schedule.trigger
        cronExpression = schedule.cronExpression
        runAt = schedule.runAt
        intervalSeconds = schedule.intervalSeconds
        startAt = schedule.startAt
        timezone = schedule.timezone
        context = schedule.context
        enabled = schedule.enabled
        description = schedule.description
        timeoutSeconds = schedule.timeoutSeconds
        allowedTools = schedule.allowedTools
        model = schedule.model
        maxRetries = schedule.maxRetries
        retryDelaySeconds = schedule.retryDelaySeconds
        catchup = schedule.catchup
        overlap = schedule.overlap
        misfireGraceSeconds = schedule.misfireGraceSeconds
        notify = schedule.notify
        notifyWebhookURL = schedule.notifyWebhookURL
        destination = schedule.destination
        sessionKey = schedule.sessionKey
        maxRuns = schedule.maxRuns
        endAt = schedule.endAt
        maxConsecutiveFailures = schedule.maxConsecutiveFailures
    }

    /// Keys a client may send back unchanged from a GET (ignored on write).
    static let readOnlyKeys: Set<String> = [
        "id", "agent_name", "owner", "owner_id", "status", "created_at", "updated_at", "last_run_at", "next_run_at",
        "revision", "run_count", "consecutive_failures", "paused_reason", "cron_description",
    ]

    /// Applies a create (`isCreate`) or partial-update body. Type errors are 422 naming the field.
    mutating func apply(_ body: inout FieldReader, isCreate: Bool) throws {
        if isCreate {
            name = try body.required("name", .string)
            message = try body.required("message", .string)
        } else {
            if let value = try nonNull(&body, "name", .string) { name = value }
            if let value = try nonNull(&body, "message", .string) { message = value }
        }
        let requestedTrigger = try body.optional("trigger", .oneOf(TriggerKind.self))
        var input = try TriggerInput(&body)
        if let value = try nonNull(&body, "timezone", .string) { timezone = value }
        try input.resolveLocalTime(timezone: timezone)
        if let kind = try input.kind() {
            trigger = kind
            cronExpression = input.cronExpression
            runAt = input.runAt
            intervalSeconds = input.intervalSeconds
        } else if isCreate {
            throw APIError.unprocessable(
                "cron_expression: required (or preset, run_at / run_at_local for a one-time schedule, or interval_seconds)", code: "missing_field")
        }
        if let requestedTrigger, requestedTrigger != trigger {
            throw APIError.badRequest(
                "trigger: \"\(requestedTrigger.rawValue)\" does not match the field given (\(trigger.fieldName))", code: "invalid_trigger")
        }
        if let value = try nonNull(&body, "context", .jsonObject), case .object(let members) = value { context = members }
        if let value = try nonNull(&body, "enabled", .bool) { enabled = value }
        if let value = try nonNull(&body, "timeout_seconds", .int) { timeoutSeconds = value }
        if let value = try nonNull(&body, "max_retries", .int) { maxRetries = value }
        if let value = try nonNull(&body, "retry_delay_seconds", .int) { retryDelaySeconds = value }
        if let value = try nonNull(&body, "catchup", .oneOf(CatchupPolicy.self)) { catchup = value }
        if let value = try nonNull(&body, "overlap", .oneOf(OverlapPolicy.self)) { overlap = value }
        if let value = try nonNull(&body, "misfire_grace_seconds", .int) { misfireGraceSeconds = value }
        if let value = try nonNull(&body, "notify", .oneOf(NotifyPolicy.self)) { notify = value }
        if let value = try nonNull(&body, "max_consecutive_failures", .int) { maxConsecutiveFailures = value }
        description = try body.field("description", .string).applied(to: description)
        allowedTools = try body.field("allowed_tools", .stringArray).applied(to: allowedTools)
        model = try body.field("model", .string).applied(to: model)
        notifyWebhookURL = try body.field("notify_webhook_url", .string).applied(to: notifyWebhookURL)
        destination = try body.field("destination", .jsonObject).applied(to: destination)
        sessionKey = try body.field("session_key", .string).applied(to: sessionKey)
        maxRuns = try body.field("max_runs", .int).applied(to: maxRuns)
        endAt = try body.field("end_at", Self.instant).applied(to: endAt)
        startAt = try body.field("start_at", Self.instant).applied(to: startAt)
        try body.rejectUnknown(allowing: Self.readOnlyKeys)
    }

    /// A key that may be absent but not `null` (the field has no "unset" state).
    private func nonNull<Value>(_ body: inout FieldReader, _ key: String, _ type: FieldType<Value>) throws -> Value? {
        switch try body.field(key, type) {
        case .absent: return nil
        case .null: throw APIError.unprocessable("\(key): cannot be null", code: "invalid_field")
        case .value(let value): return value
        }
    }

    static let instant = FieldType<Date>(expected: "an ISO-8601 instant") { value, path in
        guard case .string(let text) = value, let date = InstantFormat.parse(text) else {
            throw FieldReader.invalid(path, "expected an ISO-8601 instant such as 2024-03-10T07:30:00Z")
        }
        return date
    }
}

extension TriggerKind {
    var fieldName: String {
        switch self {
        case .cron: "cron_expression"
        case .once: "run_at"
        case .interval: "interval_seconds"
        }
    }
}

extension Field {
    /// The stored value after applying this update: unchanged when absent, nil when null.
    func applied(to current: Value?) -> Value? {
        switch self {
        case .absent: current
        case .null: nil
        case .value(let value): value
        }
    }
}

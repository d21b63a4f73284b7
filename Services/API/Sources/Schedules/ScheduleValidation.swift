import APISupport
import Cron
import Domain
import Foundation

/// Value rules of API.md for schedules (400 with the field named), and the next fire time
/// from the one cron engine the scheduler also uses.
extension ScheduleFields {
    /// Checks every field and returns the trigger the scheduler will use.
    func validated(now: Date) throws -> Trigger {
        try Self.length("name", name, 1...200)
        try Self.length("message", message, 1...100_000)
        try Self.range("timeout_seconds", timeoutSeconds, 60...7200)
        try Self.range("max_retries", maxRetries, 0...5)
        try Self.range("retry_delay_seconds", retryDelaySeconds, 30...600)
        try Self.range("misfire_grace_seconds", misfireGraceSeconds, 0...604_800)
        try Self.range("max_consecutive_failures", maxConsecutiveFailures, 0...1000)
        if let description { try Self.length("description", description, 0...2000) }
        if let sessionKey { try Self.length("session_key", sessionKey, 1...200) }
        if let model { try Self.length("model", model, 0...200) }
        if let maxRuns { try Self.range("max_runs", maxRuns, 1...1_000_000) }
        if let notifyWebhookURL { try FieldRules.httpURL("notify_webhook_url", notifyWebhookURL) }
        if let destination { try Self.validateDestination(destination) }
        if let allowedTools, let bad = allowedTools.first(where: { $0.isEmpty || $0.count > 200 }) {
            throw APIError.badRequest("allowed_tools: tool names must be 1-200 characters, got \(JSONText.quote(bad))")
        }
        if let startAt, let endAt, startAt >= endAt {
            throw APIError.badRequest("end_at: must be later than start_at")
        }
        let timeZone: TimeZone
        do {
            timeZone = try CronTimeZone.resolve(timezone)
        } catch {
            throw APIError.badRequest(error.message, code: error.code)
        }
        switch trigger {
        case .cron:
            let text = cronExpression ?? ""
            do {
                let expression = try CronExpression(parsing: text)
                return .cron(CronSchedule(expression: expression, timeZone: timeZone))
            } catch {
                throw APIError.badRequest("cron_expression: \(error.message)", code: error.code)
            }
        case .once:
            guard let runAt else { throw APIError.badRequest("run_at: required for a one-time schedule") }
            return .once(runAt)
        case .interval:
            guard let intervalSeconds else { throw APIError.badRequest("interval_seconds: required for an interval schedule") }
            try Self.range("interval_seconds", intervalSeconds, 60...31_536_000)
            return .interval(seconds: intervalSeconds, start: startAt ?? now)
        }
    }

    /// `next_run_at` for an enabled schedule: the first fire strictly after `now` (a one-time
    /// schedule whose `run_at` just passed still shows it: it fires as a misfire within grace).
    func nextRun(trigger: Trigger, now: Date, lastRunAt: Date? = nil) -> Date? {
        guard enabled else { return nil }
        if case .once(let at) = trigger { return lastRunAt == nil ? at : nil }
        guard let next = trigger.next(after: now) else { return nil }
        if let endAt, next > endAt { return nil }
        return next
    }

    static func length(_ field: String, _ value: String, _ range: ClosedRange<Int>) throws {
        guard range.contains(value.count) else {
            throw APIError.badRequest("\(field): must be \(range.lowerBound)-\(range.upperBound) characters long, got \(value.count)")
        }
    }

    static func range(_ field: String, _ value: Int, _ range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw APIError.badRequest("\(field): must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
    }

    static func validateDestination(_ destination: JSONValue) throws {
        guard case .object(let members) = destination else {
            throw APIError.badRequest("destination: expected an object")
        }
        switch members["kind"]?.stringValue {
        case "webhook":
            guard let url = members["url"]?.stringValue else {
                throw APIError.badRequest("destination.url: required for kind \"webhook\"")
            }
            try FieldRules.httpURL("destination.url", url)
        case "gateway":
            guard members["gateway"]?.stringValue?.isEmpty == false else {
                throw APIError.badRequest("destination.gateway: required for kind \"gateway\"")
            }
            guard members["chat_id"] != nil else {
                throw APIError.badRequest("destination.chat_id: required for kind \"gateway\"")
            }
        default:
            throw APIError.badRequest("destination.kind: expected \"webhook\" or \"gateway\"")
        }
    }
}

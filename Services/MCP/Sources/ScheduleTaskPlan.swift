import Cron
import Domain
import Foundation
import SundialClient

/// What `schedule_task` asks the API for: a one-time schedule (`at`) or a cron schedule
/// (`cron`), named after the message unless a name is given.
struct ScheduleTaskPlan: Sendable, Equatable {
    enum Kind: String, Sendable {
        case once
        case cron
    }

    var kind: Kind
    /// The schedule fields for `POST /api/agents/{name}/schedules`.
    var fields: [String: JSONValue]

    static let arguments: Set<String> = ToolCatalog.allowedArguments(.scheduleTask)

    init(_ arguments: ToolArguments, now: Date) throws(ToolFailure) {
        let message = try arguments.string("message", hint: "what the agent is asked when the task runs")
        let at = try arguments.optionalString("at")
        let cron = try arguments.optionalString("cron")
        let timezone = try arguments.optionalString("timezone") ?? "UTC"
        var fields: [String: JSONValue] = ["message": .string(message), "timezone": .string(timezone)]
        switch (at, cron) {
        case (let at?, nil):
            let instant: Date
            do {
                instant = try WallClockTime.instant(at, timezone: timezone)
            } catch {
                throw ToolFailure("at: \(error.detail)")
            }
            guard instant > now.addingTimeInterval(-60) else {
                throw ToolFailure("at: \(InstantFormat.string(instant)) is in the past (now is \(InstantFormat.string(now)))")
            }
            kind = .once
            fields["run_at"] = .string(InstantFormat.string(instant))
        case (nil, let cron?):
            kind = .cron
            fields["cron_expression"] = .string(cron)
        case (nil, nil):
            throw ToolFailure("give when to run: at (once, an ISO date-time) or cron (repeating, e.g. \"0 9 * * 1-5\")")
        case (_?, _?):
            throw ToolFailure("give either at (run once) or cron (repeat), not both")
        }
        fields["name"] = .string(try arguments.optionalString("name") ?? Self.defaultName(message))
        if let description = try arguments.optionalString("description") { fields["description"] = .string(description) }
        if let context = try arguments.optionalObject("context") { fields["context"] = context }
        if let destination = try arguments.optionalObject("destination") { fields["destination"] = destination }
        if let sessionKey = try arguments.optionalString("session_key") { fields["session_key"] = .string(sessionKey) }
        self.fields = fields
    }

    /// `task: ` and the message's first line, cut to fit the 200-character name limit.
    static func defaultName(_ message: String) -> String {
        let firstLine = message.split(whereSeparator: \.isNewline).first.map(String.init) ?? message
        let trimmed = firstLine.trimmingCharacters(in: .whitespaces)
        return "task: " + (trimmed.count > 80 ? trimmed.prefix(79) + "…" : trimmed)
    }
}

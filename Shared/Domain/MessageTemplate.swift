import Cron
import Foundation

/// Placeholders in a schedule's message, expanded at fire time in the schedule's time zone:
/// `{{date}}` (2024-03-11), `{{time}}` (09:00), `{{datetime}}` (2024-03-11 09:00),
/// `{{weekday}}` (Monday), `{{schedule_name}}`, `{{agent_name}}`, `{{last_run_at}}`.
/// Unknown placeholders are left as written.
public enum MessageTemplate {
    public struct Values: Sendable {
        public var firedAt: Date
        public var timeZone: TimeZone
        public var scheduleName: String
        public var agentName: String
        public var lastRunAt: Date?

        public init(firedAt: Date, timeZone: TimeZone, scheduleName: String, agentName: String, lastRunAt: Date? = nil) {
            self.firedAt = firedAt
            self.timeZone = timeZone
            self.scheduleName = scheduleName
            self.agentName = agentName
            self.lastRunAt = lastRunAt
        }
    }

    public static func expand(_ message: String, _ values: Values) -> String {
        guard message.contains("{{") else { return message }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = values.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: values.firedAt)
        let date = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        let time = String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
        let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        let replacements: [String: String] = [
            "date": date,
            "time": time,
            "datetime": "\(date) \(time)",
            "weekday": weekdays[((parts.weekday ?? 1) - 1 + 7) % 7],
            "schedule_name": values.scheduleName,
            "agent_name": values.agentName,
            "last_run_at": values.lastRunAt.map { InstantFormat.string($0) } ?? "never",
        ]
        var result = ""
        var rest = message[...]
        while let open = rest.range(of: "{{") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                rest = rest[open.lowerBound...]
                break
            }
            let key = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            result += replacements[key] ?? String(rest[open.lowerBound..<close.upperBound])
            rest = rest[close.upperBound...]
        }
        return result + rest
    }
}

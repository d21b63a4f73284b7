/// Why a schedule row cannot be scheduled. The scheduler keeps such schedules
/// in `ScheduleBook.invalid` (status, logs) instead of dropping them silently.
public struct ScheduleDefinitionError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case invalidCron = "invalid_cron"
        case invalidTimeZone = "invalid_timezone"
        case invalidInterval = "invalid_interval"
        case missingTriggerField = "missing_trigger_field"
    }

    public var code: Code
    public var scheduleID: String
    /// Human text, e.g. `minute: value 61 out of range 0-59`.
    public var message: String

    public init(_ code: Code, scheduleID: String, _ message: String) {
        self.code = code
        self.scheduleID = scheduleID
        self.message = message
    }

    public var description: String { "schedule \(scheduleID): \(code.rawValue): \(message)" }
}

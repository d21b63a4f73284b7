/// A recurring schedule a client can ask for without writing cron:
/// `{"kind": "weekdays", "time": "09:00"}`. It is stored as the cron expression it stands
/// for (`0 9 * * 1-5`) in the schedule's time zone, so everything downstream — the
/// scheduler, `next_run_at`, the calendar — sees an ordinary cron schedule.
///
/// | kind | fields | cron |
/// |---|---|---|
/// | `hourly` | `minute` (0-59, default 0) | `M * * * *` |
/// | `daily` | `time` | `M H * * *` |
/// | `weekdays` | `time` | `M H * * 1-5` |
/// | `weekly` | `day` (`monday` … `sunday`), `time` | `M H * * D` |
/// | `monthly` | `day` (1-31), `time` | `M H D * *` (months without that day are skipped) |
public struct SchedulePreset: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case hourly, daily, weekdays, weekly, monthly
    }

    public static let weekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

    public var kind: Kind
    public var hour: Int
    public var minute: Int
    /// `weekly`: 0 = Sunday … 6 = Saturday.
    public var weekday: Int?
    /// `monthly`: 1-31.
    public var dayOfMonth: Int?

    /// Validates a preset as sent (`day` is a weekday name for `weekly`, a number for
    /// `monthly`); errors name the field under `preset.`.
    public static func make(kind: Kind, time: String?, minute: Int?, day: JSONValue?) throws(ValidationError) -> SchedulePreset {
        var preset = SchedulePreset(kind: kind, hour: 0, minute: 0, weekday: nil, dayOfMonth: nil)
        switch kind {
        case .hourly:
            if time != nil { throw ValidationError(field: "preset.time", message: "not used by \"hourly\" (give minute)") }
            preset.minute = minute ?? 0
            guard (0...59).contains(preset.minute) else {
                throw ValidationError(field: "preset.minute", message: "must be between 0 and 59, got \(preset.minute)")
            }
        case .daily, .weekdays, .weekly, .monthly:
            if minute != nil { throw ValidationError(field: "preset.minute", message: "only used by \"hourly\" (give time)") }
            guard let time else { throw ValidationError(field: "preset.time", message: "required for \"\(kind.rawValue)\" (e.g. \"09:00\")") }
            (preset.hour, preset.minute) = try parseTime(time)
        }
        switch kind {
        case .weekly:
            guard case .string(let name)? = day, let index = weekdayNames.firstIndex(of: name.lowercased()) else {
                throw ValidationError(field: "preset.day", message: "required for \"weekly\": one of \(weekdayNames.joined(separator: ", "))")
            }
            preset.weekday = index
        case .monthly:
            guard case .int(let number)? = day, (1...31).contains(number) else {
                throw ValidationError(field: "preset.day", message: "required for \"monthly\": a day of the month from 1 to 31")
            }
            preset.dayOfMonth = number
        case .hourly, .daily, .weekdays:
            if day != nil { throw ValidationError(field: "preset.day", message: "not used by \"\(kind.rawValue)\"") }
        }
        return preset
    }

    /// `HH:MM` (24-hour, two-digit hour optional: `9:30` is accepted).
    static func parseTime(_ text: String) throws(ValidationError) -> (hour: Int, minute: Int) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
              let hour = Int(parts[0]), let minute = Int(parts[1]), (0...23).contains(hour), (0...59).contains(minute)
        else {
            throw ValidationError(field: "preset.time", message: "expected a 24-hour time HH:MM such as \"09:00\", got \"\(text)\"")
        }
        return (hour, minute)
    }

    /// The five-field cron expression this preset stands for.
    public var cronExpression: String {
        switch kind {
        case .hourly: "\(minute) * * * *"
        case .daily: "\(minute) \(hour) * * *"
        case .weekdays: "\(minute) \(hour) * * 1-5"
        case .weekly: "\(minute) \(hour) * * \(weekday ?? 1)"
        case .monthly: "\(minute) \(hour) \(dayOfMonth ?? 1) * *"
        }
    }
}

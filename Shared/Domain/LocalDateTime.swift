import Cron
import Foundation

/// A wall-clock date and time without a zone, `2026-12-01T14:00` (`:00` seconds allowed), as a
/// client sends `run_at_local` for a one-time schedule. It becomes an instant in the
/// schedule's time zone by the same rules as cron (CRON.md): a time inside a spring-forward
/// gap fires shifted by the gap, an ambiguous fall-back time at its first occurrence.
public struct LocalDateTime: Sendable, Equatable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
    }

    /// `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:00` (a space instead of `T` is accepted).
    public static func parse(_ text: String, field: String = "run_at_local") throws(ValidationError) -> LocalDateTime {
        let invalid = ValidationError(
            field: field, message: "expected a local date and time YYYY-MM-DDTHH:MM such as \"2026-12-01T14:00\" (no zone: the schedule's timezone applies), got \"\(text)\"")
        let bytes = Array(text.utf8)
        guard bytes.count == 16 || bytes.count == 19, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "), bytes[13] == UInt8(ascii: ":")
        else { throw invalid }
        func number(_ range: Range<Int>) -> Int? {
            let slice = bytes[range]
            guard slice.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
            return slice.reduce(0) { $0 * 10 + Int($1 - 48) }
        }
        if bytes.count == 19 {
            guard bytes[16] == UInt8(ascii: ":"), number(17..<19) != nil else { throw invalid }
            guard number(17..<19) == 0 else {
                throw ValidationError(field: field, message: "seconds must be :00 (schedules fire on whole minutes), got \"\(text)\"")
            }
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
              let minute = number(14..<16), (1...12).contains(month), (0...23).contains(hour), (0...59).contains(minute), year >= 1970
        else { throw invalid }
        guard (1...daysInMonth(year: year, month: month)).contains(day) else {
            throw ValidationError(field: field, message: "\(String(format: "%04d-%02d", year, month)) has no day \(day)")
        }
        return LocalDateTime(year: year, month: month, day: day, hour: hour, minute: minute)
    }

    /// The instant this wall-clock time names in `zone`.
    public func instant(in zone: TimeZone) -> Date? {
        guard let expression = try? CronExpression(parsing: "\(minute) \(hour) \(day) \(month) *") else { return nil }
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        guard let midnight = utc.date(from: DateComponents(year: year, month: month, day: day)) else { return nil }
        // Zone offsets stay within ±26 h, so the first match after two days earlier is this date's.
        let next = CronSchedule(expression: expression, timeZone: zone).next(after: midnight.addingTimeInterval(-2 * 86_400))
        guard let next, next < midnight.addingTimeInterval(3 * 86_400) else { return nil }
        return next
    }

    /// The wall-clock time of `instant` in `zone`.
    public init(_ instant: Date, in zone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: instant)
        self.init(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1, hour: parts.hour ?? 0, minute: parts.minute ?? 0)
    }

    /// `2026-12-01T14:00`.
    public var description: String {
        String(format: "%04d-%02d-%02dT%02d:%02d", year, month, day, hour, minute)
    }

    /// `2026-12-01`.
    public var dateString: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

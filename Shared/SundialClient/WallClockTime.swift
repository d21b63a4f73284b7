import Cron
import Foundation

/// Turns what a person or an agent writes for "when" into an instant: an ISO date-time with
/// an offset (`2030-05-14T14:00:00+02:00`, `…Z`) as is, or a local date-time without one
/// (`2030-05-14T14:00`, `2030-05-14 14:00:30`) read in an IANA time zone.
///
/// Local times resolve exactly as the cron engine resolves wall-clock times (CRON.md): a
/// time inside a spring-forward gap moves forward by the gap, an ambiguous fall-back time
/// means its first occurrence. It asks the engine itself, so the two can never disagree.
public enum WallClockTime {
    public static func instant(_ text: String, timezone: String) throws(SundialClientError) -> Date {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let instant = InstantFormat.parse(trimmed) { return instant }
        guard let local = LocalDateTime(trimmed) else {
            throw SundialClientError(
                kind: .invalidInput,
                detail: "expected an ISO date-time such as 2030-05-14T14:00:00Z, 2030-05-14T14:00:00+02:00 or a local 2030-05-14T14:00 (read in the time zone), got \"\(text)\"")
        }
        let schedule: CronSchedule
        do {
            schedule = try CronSchedule(expression: "\(local.minute) \(local.hour) \(local.day) \(local.month) *", timeZoneIdentifier: timezone)
        } catch {
            throw SundialClientError(kind: .invalidInput, detail: "timezone: \(error.message)")
        }
        // The instant lies within ±14 h of the same reading in UTC; the previous yearly match
        // is a year earlier, so the first fire after "reading − 2 days" is the one meant.
        guard let naive = InstantFormat.parse(local.utcReading),
              let fire = schedule.next(after: naive.addingTimeInterval(-2 * 86_400)),
              abs(fire.timeIntervalSince(naive)) < 2 * 86_400
        else {
            throw SundialClientError(kind: .invalidInput, detail: "\"\(text)\" is not a date-time that exists in \(timezone)")
        }
        return fire.addingTimeInterval(Double(local.second))
    }

    /// `YYYY-MM-DD(T| )HH:MM[:SS]` without an offset.
    struct LocalDateTime {
        var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

        init?(_ text: String) {
            let parts = text.split(whereSeparator: { $0 == "T" || $0 == "t" || $0 == " " })
            guard parts.count == 2 else { return nil }
            let date = parts[0].split(separator: "-", omittingEmptySubsequences: false)
            let time = parts[1].split(separator: ":", omittingEmptySubsequences: false)
            guard date.count == 3, date[0].count == 4, date[1].count == 2, date[2].count == 2,
                  (2...3).contains(time.count), time.allSatisfy({ $0.count == 2 }),
                  (date + time).allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
                  let year = Int(date[0]), let month = Int(date[1]), let day = Int(date[2]),
                  let hour = Int(time[0]), let minute = Int(time[1])
            else { return nil }
            let second = time.count == 3 ? Int(time[2]) ?? 99 : 0
            guard (1...12).contains(month), (1...31).contains(day), hour <= 23, minute <= 59, second <= 59 else { return nil }
            (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
        }

        /// The same reading as a UTC instant text (validates the day of the month).
        var utcReading: String {
            func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
            return "\(year)-\(two(month))-\(two(day))T\(two(hour)):\(two(minute)):00Z"
        }
    }
}

import Foundation

/// A cron expression as plain value sets, built by the test generator
/// independently of the parser.
struct OracleExpression: CustomStringConvertible {
    var text: String
    var minutes: Set<Int>
    var hours: Set<Int>
    var daysOfMonth: Set<Int>
    var months: Set<Int>
    /// 0 = Sunday ... 6 = Saturday (7 already folded to 0).
    var daysOfWeek: Set<Int>
    var dayOfMonthRestricted: Bool
    var dayOfWeekRestricted: Bool

    var description: String { text }
}

/// The slow reference for CRON.md's fire-time rule, written without any of
/// the engine's machinery: it walks local calendar days one by one from three
/// days before `after`'s local date, enumerates every matching wall-clock
/// minute in increasing order, converts each with Foundation's
/// `Calendar.date(from:)` (which on this platform resolves skipped times with
/// the earlier offset and repeated times to the first occurrence, i.e.
/// `fold=0`; the DST table tests pin that down), and emits an instant only if
/// it is strictly later than `after` and than the previously emitted instant.
enum BruteForceOracle {
    struct Result {
        var runs: [Date]
        /// True when `maxRuns` were found; otherwise the window ran out and
        /// every fire time before `coveredUntil` is in `runs`.
        var complete: Bool
        var coveredUntil: Date
        /// Emitted wall times that fell in a gap and were moved forward.
        var shifted = 0
        /// Candidates later than `after` that the strictly-increasing rule dropped.
        var suppressed = 0
    }

    static func runs(
        _ expression: OracleExpression, zone: TimeZone, after: Date, windowDays: Int, maxRuns: Int
    ) -> Result {
        var local = Calendar(identifier: .gregorian)
        local.timeZone = zone
        var civil = Calendar(identifier: .gregorian)
        civil.timeZone = TimeZone(identifier: "GMT")!

        let afterDate = local.dateComponents([.year, .month, .day], from: after)
        let afterDay = civil.date(from: DateComponents(year: afterDate.year, month: afterDate.month, day: afterDate.day))!
        let firstDay = civil.date(byAdding: .day, value: -3, to: afterDay)!
        let hours = expression.hours.sorted()
        let minutes = expression.minutes.sorted()

        var runs: [Date] = []
        var lastEmitted: Date?
        var shifted = 0
        var suppressed = 0
        for offset in 0..<(windowDays + 3) {
            let day = civil.date(byAdding: .day, value: offset, to: firstDay)!
            let parts = civil.dateComponents([.year, .month, .day, .weekday], from: day)
            guard expression.months.contains(parts.month!) else { continue }
            let byMonthDay = expression.daysOfMonth.contains(parts.day!)
            let byWeekday = expression.daysOfWeek.contains(parts.weekday! - 1)
            let dayMatches = expression.dayOfMonthRestricted && expression.dayOfWeekRestricted
                ? (byMonthDay || byWeekday) : (byMonthDay && byWeekday)
            guard dayMatches else { continue }
            for hour in hours {
                for minute in minutes {
                    let wall = DateComponents(year: parts.year, month: parts.month, day: parts.day, hour: hour, minute: minute)
                    let fire = local.date(from: wall)!
                    if fire > after, lastEmitted.map({ fire > $0 }) ?? true {
                        runs.append(fire)
                        lastEmitted = fire
                        let reading = local.dateComponents([.hour, .minute], from: fire)
                        if reading.hour != hour || reading.minute != minute { shifted += 1 }
                        if runs.count == maxRuns {
                            return Result(
                                runs: runs, complete: true, coveredUntil: fire, shifted: shifted, suppressed: suppressed)
                        }
                    } else if fire > after {
                        suppressed += 1
                    }
                }
            }
        }
        // Wall-clock days after the window start at least a day (the largest
        // offset jump) after the window's last local midnight.
        let end = civil.date(byAdding: .day, value: windowDays + 3, to: firstDay)!
        let coveredUntil = end.addingTimeInterval(-TimeInterval(15 * 3600) - 26 * 3600)
        return Result(runs: runs, complete: false, coveredUntil: coveredUntil, shifted: shifted, suppressed: suppressed)
    }
}

import Cron
import Foundation
import Testing

/// Compares the fast engine with `BruteForceOracle` on random expressions,
/// zones and instants (deterministic seeds), with instants both anywhere in
/// 1850-2035 and within a day of a UTC-offset transition.
@Suite("Engine vs brute-force oracle")
struct CronPropertyTests {
    static let shards = 0..<10
    /// 10 x 520 = 5,200 cases by default; `CRON_PROPERTY_CASES` (per shard)
    /// runs a deeper search.
    static let casesPerShard = ProcessInfo.processInfo.environment["CRON_PROPERTY_CASES"].flatMap(Int.init) ?? 520
    static let zones = [
        "UTC", "America/New_York", "Europe/Berlin", "Europe/London", "Australia/Lord_Howe",
        "Pacific/Chatham", "Antarctica/Troll", "Pacific/Apia", "America/Havana", "America/Santiago",
        "Asia/Beirut", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Adelaide", "America/St_Johns",
        "Africa/Casablanca", "Pacific/Kiritimati", "America/Sao_Paulo", "Europe/Moscow", "Asia/Tehran",
        "Pacific/Kwajalein", "Europe/Dublin", "America/Nuuk", "Asia/Pyongyang", "America/Caracas",
        "America/Los_Angeles", "Australia/Sydney", "Pacific/Auckland", "Asia/Gaza", "America/Scoresbysund",
    ]

    @Test("fast engine agrees with the oracle", arguments: shards)
    func engineMatchesOracle(shard: Int) throws {
        var random = SplitMix64(seed: 0x5EED_C0DE &+ UInt64(shard) &* 1_000_003)
        var compared = 0
        var withRuns = 0
        var nearTransition = 0
        var shifted = 0
        var suppressed = 0
        var disagreements: [String] = []
        while compared < Self.casesPerShard {
            let zoneName = Self.zones[Int.random(in: 0..<Self.zones.count, using: &random)]
            let zone = try CronTimeZone.resolve(zoneName)
            let (after, focusHours) = RandomCron.instant(near: zone, using: &random)
            let expression = RandomCron.expression(focusHours: focusHours, using: &random)
            let parsed: CronExpression
            do {
                parsed = try CronExpression(parsing: expression.text)
            } catch {
                // Only "can never fire" may be rejected, and only when no
                // month in the set has any of the days.
                #expect(error.field == "day-of-month/month", "\(expression.text): \(error.message)")
                #expect(!RandomCron.canFire(expression), "\(expression.text) was rejected but can fire")
                continue
            }
            #expect(parsed.minute.values == expression.minutes.sorted(), "\(expression.text)")
            #expect(parsed.hour.values == expression.hours.sorted(), "\(expression.text)")
            #expect(parsed.dayOfMonth.values == expression.daysOfMonth.sorted(), "\(expression.text)")
            #expect(parsed.month.values == expression.months.sorted(), "\(expression.text)")
            #expect(parsed.dayOfWeek.values == expression.daysOfWeek.sorted(), "\(expression.text)")

            let maxRuns = Int.random(in: 1...10, using: &random)
            let oracle = BruteForceOracle.runs(expression, zone: zone, after: after, windowDays: 40, maxRuns: maxRuns)
            let schedule = CronSchedule(expression: parsed, timeZone: zone)
            let engine = schedule.next(after: after, count: oracle.runs.count + 1)
            if !oracle.runs.isEmpty { withRuns += 1 }
            shifted += oracle.shifted
            suppressed += oracle.suppressed
            if let first = oracle.runs.first, let last = oracle.runs.last,
               let transition = zone.nextDaylightSavingTimeTransition(after: first.addingTimeInterval(-86_400)),
               transition <= last.addingTimeInterval(86_400) {
                nearTransition += 1
            }

            var agrees = Array(engine.prefix(oracle.runs.count)) == oracle.runs
            if !oracle.complete, engine.count > oracle.runs.count {
                agrees = agrees && engine[oracle.runs.count] > oracle.coveredUntil
            }
            if oracle.complete, engine.count > oracle.runs.count, let last = oracle.runs.last {
                agrees = agrees && engine[oracle.runs.count] > last
            }
            // Single-step chaining must give the same sequence as `count`.
            if let first = engine.first {
                agrees = agrees && schedule.next(after: after) == first
                if engine.count > 1 { agrees = agrees && schedule.next(after: first) == engine[1] }
            }
            if !agrees {
                let show = { (dates: [Date]) in dates.map(InstantFormat.string).joined(separator: " ") }
                disagreements.append(
                    "\(expression.text) | \(zoneName) | after \(InstantFormat.string(after)) (\(after.timeIntervalSince1970))"
                        + "\n  oracle: \(show(oracle.runs))\n  engine: \(show(engine))"
                )
            }
            compared += 1
        }
        #expect(compared == Self.casesPerShard)
        // The comparison is only meaningful if most cases fire inside the
        // oracle's window and many of them straddle an offset change.
        #expect(withRuns * 10 >= compared * 8, "only \(withRuns) of \(compared) cases fired in the window")
        #expect(nearTransition * 10 >= compared * 3, "only \(nearTransition) of \(compared) cases ran near a transition")
        #expect(shifted >= 20, "only \(shifted) gap-shifted runs")
        #expect(suppressed >= 5, "only \(suppressed) runs suppressed by the strictly-later rule")
        print("shard \(shard): \(compared) cases, \(withRuns) with runs, \(nearTransition) near a transition, \(shifted) shifted, \(suppressed) suppressed")
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements:\n\(disagreements.prefix(5).joined(separator: "\n"))")
    }
}

/// Random expressions biased towards DST-relevant hours and towards firing
/// within the oracle's window, built as text and value sets at once.
enum RandomCron {
    /// `focusHours`: local hours around an offset transition; when given,
    /// most expressions fire in those hours on most days.
    static func expression(focusHours: [Int], using random: inout SplitMix64) -> OracleExpression {
        let focused = !focusHours.isEmpty && Int.random(in: 0..<4, using: &random) > 0
        let minute = field(0...59, steps: [5, 7, 10, 15, 20, 30], favourites: [0, 15, 30, 45, 59], starWeight: 1, using: &random)
        let hour = focused
            ? Field(text: focusHours.map(String.init).joined(separator: ","), values: Set(focusHours))
            : field(0...23, steps: [2, 3, 4, 6, 8], favourites: [0, 1, 2, 3, 23], starWeight: 4, using: &random)
        let day = field(1...31, steps: [2, 3, 5, 10], favourites: [1, 15, 28, 29, 30, 31], starWeight: focused ? 40 : 14, using: &random)
        let month = field(1...12, steps: [2, 3, 4], favourites: [2, 3, 10, 11, 12], starWeight: focused ? 60 : 20, using: &random)
        let weekday = field(0...7, steps: [2, 3], favourites: [0, 1, 5, 6, 7], starWeight: 12, using: &random)
        let text = [minute, hour, day, month, weekday].map(\.text).joined(separator: " ")
        return OracleExpression(
            text: nameDecorated(text, using: &random),
            minutes: minute.values, hours: hour.values, daysOfMonth: day.values, months: month.values,
            daysOfWeek: Set(weekday.values.map { $0 == 7 ? 0 : $0 }),
            dayOfMonthRestricted: !day.text.hasPrefix("*"), dayOfWeekRestricted: !weekday.text.hasPrefix("*")
        )
    }

    static func canFire(_ expression: OracleExpression) -> Bool {
        if expression.dayOfMonthRestricted && expression.dayOfWeekRestricted { return true }
        let longest = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return expression.months.contains { month in expression.daysOfMonth.contains { $0 <= longest[month] } }
    }

    /// `after`: a quarter anywhere in 1850-2035, the rest within a day before
    /// (or hours after) a UTC-offset transition, when the zone has one; with
    /// the local hours the transition touches (empty when not near one).
    static func instant(near zone: TimeZone, using random: inout SplitMix64) -> (Date, [Int]) {
        // One in ten from 1850-1990: local mean time (offsets in odd seconds),
        // war time and other historical rules.
        let range: ClosedRange<Int64> = Int.random(in: 0..<10, using: &random) == 0
            ? -3_786_825_600...631_152_000 : 631_152_000...2_082_758_400
        let base = Double(Int64.random(in: range, using: &random))
        var seconds = base
        var focusHours: [Int] = []
        if Int.random(in: 0..<4, using: &random) > 0,
           let transition = zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: base)) {
            seconds = transition.timeIntervalSince1970 + Double(Int.random(in: -30 * 3_600...3 * 3_600, using: &random))
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            let before = calendar.component(.hour, from: transition.addingTimeInterval(-1))
            let after = calendar.component(.hour, from: transition)
            focusHours = before <= after ? Array(before...after) : Array(before...23) + Array(0...after)
        }
        switch Int.random(in: 0..<4, using: &random) {
        case 0: seconds = (seconds / 60).rounded(.down) * 60  // on a minute boundary
        case 1: seconds += Double(Int.random(in: 0..<1_000, using: &random)) / 1_000
        default: break
        }
        return (Date(timeIntervalSince1970: seconds), focusHours.sorted())
    }

    private struct Field {
        var text: String
        var values: Set<Int>
    }

    private static func field(
        _ range: ClosedRange<Int>, steps: [Int], favourites: [Int], starWeight: Int, using random: inout SplitMix64
    ) -> Field {
        func value() -> Int {
            Bool.random(using: &random) ? favourites.randomElement(using: &random)! : Int.random(in: range, using: &random)
        }
        func item() -> Field {
            switch Int.random(in: 0..<10, using: &random) {
            case 0...4:
                let v = value()
                return Field(text: String(v), values: [v])
            case 5...6:
                let a = value(), b = value()
                let (low, high) = (min(a, b), max(a, b))
                return Field(text: "\(low)-\(high)", values: Set(low...high))
            case 7:
                let a = value(), b = value()
                let (low, high) = (min(a, b), max(a, b))
                let step = steps.randomElement(using: &random)!
                return Field(text: "\(low)-\(high)/\(step)", values: Set(stride(from: low, through: high, by: step)))
            default:
                let a = value()
                let step = steps.randomElement(using: &random)!
                return Field(text: "\(a)/\(step)", values: Set(stride(from: a, through: range.upperBound, by: step)))
            }
        }
        let roll = Int.random(in: 0..<(starWeight + 12), using: &random)
        let allValues = Set(range.upperBound == 7 ? Array(0...6) : Array(range))
        if roll < starWeight { return Field(text: "*", values: allValues) }
        if roll < starWeight + 2 {
            let step = steps.randomElement(using: &random)!
            let upper = range.upperBound == 7 ? 6 : range.upperBound
            return Field(text: "*/\(step)", values: Set(stride(from: range.lowerBound, through: upper, by: step)))
        }
        var result = item()
        for _ in 0..<Int.random(in: 0...2, using: &random) {
            let next = item()
            result = Field(text: result.text + "," + next.text, values: result.values.union(next.values))
        }
        return result
    }

    /// Sometimes writes month and weekday numbers as names, in random case.
    private static func nameDecorated(_ text: String, using random: inout SplitMix64) -> String {
        guard Int.random(in: 0..<4, using: &random) == 0 else { return text }
        var fields = text.split(separator: " ").map(String.init)
        let months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        let weekdays = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
        func rename(_ field: String, names: [String], offset: Int) -> String {
            // Only plain values and ranges (a trailing "/step" stays numeric).
            field.split(separator: ",").map { item -> String in
                let parts = item.split(separator: "/", maxSplits: 1)
                let renamed = parts[0].split(separator: "-").map { piece -> String in
                    guard let v = Int(piece), v - offset >= 0, v - offset < names.count else { return String(piece) }
                    let name = names[v - offset]
                    return Bool.random(using: &random) ? name.lowercased() : name
                }.joined(separator: "-")
                return parts.count == 2 ? renamed + "/" + parts[1] : renamed
            }.joined(separator: ",")
        }
        fields[3] = rename(fields[3], names: months, offset: 1)
        fields[4] = rename(fields[4], names: weekdays, offset: 0)
        return fields.joined(separator: " ")
    }
}

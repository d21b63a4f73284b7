import Foundation

/// A cron expression bound to an IANA time zone: computes fire instants by
/// the rule in CRON.md.
///
/// Matching local wall-clock minutes are taken in increasing order, each is
/// converted to an instant with the earlier offset (`fold=0`: a time in a
/// spring-forward gap moves forward by the gap length, an ambiguous time
/// resolves to its first occurrence), and an instant is emitted only when it
/// is strictly later than `after` and than every instant before it in the
/// walk. The search ends 30 years after `after`.
public struct CronSchedule: Sendable, Hashable {
    public let expression: CronExpression
    public let timeZone: TimeZone
    let matcher: CronMatcher
    let zoneTransitions: ZoneTransitions

    /// How far past `after` fire times are searched: 30 mean Gregorian years.
    public static let horizon: TimeInterval = 30 * 365.2425 * 86_400

    static let day = CivilTime.secondsPerDay
    /// Instants before 0001-01-01T00:00:00Z are treated as that instant.
    static let earliestInstant: Int64 = -62_135_596_800
    /// 9999-12-31T23:59:59Z: nothing fires later.
    static let latestInstant: Int64 = 253_402_300_799

    public init(expression: CronExpression, timeZone: TimeZone) {
        self.expression = expression
        self.timeZone = timeZone
        matcher = CronMatcher(expression)
        zoneTransitions = ZoneTransitions.shared(for: timeZone)
    }

    /// Parses the expression, then resolves the zone strictly (see `CronTimeZone`).
    public init(expression: String, timeZoneIdentifier: String) throws(CronError) {
        let parsed = try CronExpression(parsing: expression)
        self.init(expression: parsed, timeZone: try CronTimeZone.resolve(timeZoneIdentifier))
    }

    public static func == (lhs: CronSchedule, rhs: CronSchedule) -> Bool {
        lhs.expression == rhs.expression && lhs.timeZone.identifier == rhs.timeZone.identifier
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(expression)
        hasher.combine(timeZone.identifier)
    }

    /// The first fire instant strictly after `after`, or nil when there is
    /// none within the horizon.
    public func next(after: Date) -> Date? {
        next(after: after, count: 1).first
    }

    /// Up to `count` fire instants strictly after `after`, increasing. Fewer
    /// when the 30-year horizon (or year 9999) is reached first.
    public func next(after: Date, count: Int) -> [Date] {
        guard count > 0, let start = Self.seconds(after) else { return [] }
        let horizonEnd = min(start + Int64(Self.horizon), Self.latestInstant)
        var table = zoneTransitions.table(covering: (start - 5 * Self.day)...(start + 40 * Self.day))
        var runs: [Date] = []
        runs.reserveCapacity(min(count, 1_024))
        var cursor = start
        while runs.count < count, let instant = nextInstant(after: cursor, horizonEnd: horizonEnd, table: &table) {
            runs.append(Date(timeIntervalSince1970: Double(instant)))
            cursor = instant
        }
        return runs
    }

    /// Whole seconds of `date`, rounded down (a fire instant is strictly
    /// later than `date` exactly when it is strictly later than this), or nil
    /// when `date` is after the last supported instant.
    private static func seconds(_ date: Date) -> Int64? {
        let value = date.timeIntervalSince1970.rounded(.down)
        guard !value.isNaN, value < Double(latestInstant) else { return nil }
        return value < Double(earliestInstant) ? earliestInstant - 1 : Int64(value)
    }

    /// The first fire instant strictly after instant `after`.
    private func nextInstant(after: Int64, horizonEnd: Int64, table: inout ZoneTable) -> Int64? {
        if !table.covers((after - 5 * Self.day)...(after + 5 * Self.day)) {
            table = zoneTransitions.table(covering: (after - 5 * Self.day)...(after + 400 * Self.day))
        }
        // Lowest wall time whose instant can be later than `after`: offsets of
        // neighbouring periods count only when their transition is close.
        let period = table.period(ofInstant: after)
        var lowestOffset = table.offsets[period]
        if period > 0, after - table.transitions[period - 1] < 2 * Self.day {
            lowestOffset = min(lowestOffset, table.offsets[period - 1])
        }
        if period < table.transitions.count, table.transitions[period] - after < 2 * Self.day {
            lowestOffset = min(lowestOffset, table.offsets[period + 1])
        }
        var minute = CivilTime.ceilDiv(after + 1 + lowestOffset, 60)
        let limit = CivilTime.floorDiv(horizonEnd + 2 * Self.day, 60)
        while let match = matcher.firstMatch(atOrAfter: minute, notAfter: limit) {
            let wall = match * 60
            if !table.coversWall(wall) {
                table = zoneTransitions.table(covering: (after - 5 * Self.day)...(wall + 400 * Self.day))
            }
            let wallPeriod = table.period(ofWall: wall)
            let instant = wall - table.offsets[wallPeriod]
            if instant > horizonEnd { return nil }
            if instant > after && !isShadowed(wall: wall, period: wallPeriod, table: table) {
                return instant
            }
            minute = match + 1
        }
        return nil
    }

    /// Whether a matching wall time earlier than `wall` maps to an instant at
    /// or after the one `wall` maps to (then `wall` does not fire). Only possible right
    /// after an offset increase, when `wall` is within the increase of an
    /// earlier period whose times were shifted forward by a gap.
    private func isShadowed(wall: Int64, period: Int, table: ZoneTable) -> Bool {
        guard period > 0, wall - table.wallBounds[period - 1] < 2 * Self.day else { return false }
        let offset = table.offsets[period]
        var earlier = period - 1
        while earlier >= 0 {
            let end = table.wallBounds[earlier]
            if end <= wall - 2 * Self.day { break }
            let earlierOffset = table.offsets[earlier]
            if earlierOffset < offset {
                // Wall times w in this period map to w - earlierOffset, which is
                // >= wall - offset exactly when w >= wall - (offset - earlierOffset).
                let start = earlier == 0 ? Int64.min : table.wallBounds[earlier - 1]
                let low = max(start, wall - (offset - earlierOffset))
                let high = min(end, wall)  // exclusive
                if low < high,
                   let match = matcher.firstMatch(
                       atOrAfter: CivilTime.ceilDiv(low, 60), notAfter: CivilTime.ceilDiv(high, 60) - 1),
                   match * 60 < high {
                    return true
                }
            }
            earlier -= 1
        }
        return false
    }
}

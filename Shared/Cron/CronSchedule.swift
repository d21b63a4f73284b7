public import Foundation

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
    ///
    /// Parses are cached by (expression, zone), so equal schedules share one parse.
    public init(expression: String, timeZoneIdentifier: String) throws(CronError) {
        self = try CronScheduleCache.schedule(expression: expression, timeZoneIdentifier: timeZoneIdentifier)
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
    ///
    /// The walk starts at a wall time below which every wall time maps to an
    /// instant at or before `after`, so the first matching wall time that maps
    /// past `after` is later than every instant before it in the walk: it is
    /// the next emitted instant. Chaining with `after` = the previous run then
    /// applies CRON.md's "strictly later than the previous emitted instant"
    /// rule: a real time that a shifted gap time already passed maps to an
    /// instant not later than that run and is skipped.
    private func nextInstant(after: Int64, horizonEnd: Int64, table: inout ZoneTable) -> Int64? {
        if !table.covers((after - 5 * Self.day)...(after + 5 * Self.day)) {
            table = zoneTransitions.table(covering: (after - 5 * Self.day)...(after + 400 * Self.day))
        }
        // Lowest wall time that can map past `after`. A wall time w in period
        // k maps to w - offsets[k], so w > after + offsets[k] is needed. Later
        // periods start at wall times above after + offsets[period]; the
        // previous period can only matter within a day or so of its end (a gap
        // shifts times forward by at most its length); earlier ones never.
        let period = table.period(ofInstant: after)
        var lowestOffset = table.offsets[period]
        if period > 0, after - table.transitions[period - 1] < 2 * Self.day {
            lowestOffset = min(lowestOffset, table.offsets[period - 1])
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
            if instant > after { return instant }
            minute = match + 1
        }
        return nil
    }
}

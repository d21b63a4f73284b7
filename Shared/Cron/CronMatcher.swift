/// The expression compiled to bitsets, answering "first matching wall-clock
/// minute at or after m" by skipping whole months, days and hours.
///
/// Wall-clock minutes are counted from 1970-01-01T00:00 local time, i.e.
/// civil time with no zone attached.
struct CronMatcher: Sendable, Hashable {
    /// Bits 0...59.
    let minutes: UInt64
    /// Bits 0...23.
    let hours: UInt64
    /// Bits 1...12.
    let months: UInt64
    /// Indexed by the weekday of the 1st of the month (0 = Sunday): bit `d`
    /// set when day `d` (1...31) matches the day-of-month/day-of-week rule.
    /// Still to be cut to the month's length.
    let dayMasks: [UInt64]
    let firstMonth: Int

    /// Years after this are never searched (civil arithmetic stays exact and
    /// instants stay formattable).
    static let lastYear: Int64 = 9_999

    init(_ expression: CronExpression) {
        minutes = expression.minute.bits
        hours = expression.hour.bits
        months = expression.month.bits
        firstMonth = months.trailingZeroBitCount
        let dayOfMonth = expression.dayOfMonth.bits
        let dayOfWeek = expression.dayOfWeek.bits
        let either = expression.matchesEitherDayField
        var masks: [UInt64] = []
        for firstWeekday in 0..<7 {
            var weekdayDays: UInt64 = 0
            for day in 1...31 where dayOfWeek & (1 << UInt64((firstWeekday + day - 1) % 7)) != 0 {
                weekdayDays |= 1 << UInt64(day)
            }
            masks.append(either ? (dayOfMonth | weekdayDays) : (dayOfMonth & weekdayDays))
        }
        dayMasks = masks
    }

    /// Lowest set bit at index `>= from`, or nil.
    @inline(__always)
    private static func nextBit(_ mask: UInt64, from: Int) -> Int? {
        guard from < 64 else { return nil }
        let rest = mask & (~UInt64(0) << UInt64(from))
        return rest == 0 ? nil : rest.trailingZeroBitCount
    }

    /// The first matching wall-clock minute `>= start`, or nil when there is
    /// none at or before `limit` (or before year 10000).
    func firstMatch(atOrAfter start: Int64, notAfter limit: Int64) -> Int64? {
        var day = CivilTime.floorDiv(start, CivilTime.minutesPerDay)
        let minuteOfDay = Int(start - day * CivilTime.minutesPerDay)
        var (year, month, dayOfMonth) = CivilTime.date(fromDays: day)
        var hour = minuteOfDay / 60
        var minute = minuteOfDay % 60
        let limitDay = CivilTime.floorDiv(limit, CivilTime.minutesPerDay)

        while true {
            if months & (1 << UInt64(month)) == 0 {
                if let next = Self.nextBit(months, from: month + 1) {
                    month = next
                } else {
                    year += 1
                    month = firstMonth
                }
                dayOfMonth = 1
                hour = 0
                minute = 0
                day = CivilTime.days(year: year, month: month, day: 1)
                if day > limitDay || year > Self.lastYear { return nil }
            }
            let length = CivilTime.daysInMonth(year: year, month: month)
            let first = day - Int64(dayOfMonth - 1)
            let valid: UInt64 = (1 << UInt64(length + 1)) - 2
            let dayMask = dayMasks[CivilTime.weekday(days: first)] & valid
            guard let matchingDay = Self.nextBit(dayMask, from: dayOfMonth) else {
                // Nothing left this month: go to the 1st of the next month.
                if month == 12 {
                    year += 1
                    month = 1
                } else {
                    month += 1
                }
                dayOfMonth = 1
                hour = 0
                minute = 0
                day = first + Int64(length)
                if day > limitDay || year > Self.lastYear { return nil }
                continue
            }
            if matchingDay != dayOfMonth {
                day += Int64(matchingDay - dayOfMonth)
                dayOfMonth = matchingDay
                hour = 0
                minute = 0
                if day > limitDay { return nil }
            }
            guard let matchingHour = Self.nextBit(hours, from: hour) else {
                day += 1
                dayOfMonth += 1  // past the month's end is handled by the day mask
                hour = 0
                minute = 0
                if day > limitDay { return nil }
                continue
            }
            if matchingHour != hour {
                hour = matchingHour
                minute = 0
            }
            guard let matchingMinute = Self.nextBit(minutes, from: minute) else {
                hour += 1
                minute = 0
                continue
            }
            let result = day * CivilTime.minutesPerDay + Int64(hour * 60 + matchingMinute)
            return result <= limit ? result : nil
        }
    }
}

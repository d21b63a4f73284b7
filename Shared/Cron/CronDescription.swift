/// English text for a cron expression, e.g. "At 09:00, Monday through
/// Friday", "Every 15 minutes", "At 14:15, on day 1 of the month, or on
/// Friday". Times are 24-hour local wall-clock times.
enum CronDescription {
    static let monthNames = [
        "", "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ]
    static let weekdayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    static func describe(_ expression: CronExpression) -> String {
        var parts = [timePhrase(minute: expression.minute, hour: expression.hour)]
        if let days = dayPhrase(expression) { parts.append(days) }
        if let months = monthPhrase(expression.month) { parts.append(months) }
        let text = parts.joined(separator: ", ")
        return text.prefix(1).uppercased() + text.dropFirst()
    }

    // MARK: Time of day

    private static func timePhrase(minute: CronField, hour: CronField) -> String {
        if let minutes = plainValues(minute), let hours = plainValues(hour), minutes.count * hours.count <= 8 {
            return "at " + list(hours.flatMap { h in minutes.map { clock(h, $0) } })
        }
        let everyHour = isStar(hour)
        if let minutes = plainValues(minute), minutes.count == 1 {
            let m = minutes[0]
            if everyHour { return m == 0 ? "every hour" : "at \(m) \(m == 1 ? "minute" : "minutes") past the hour" }
            if let step = starStep(hour) {
                return m == 0 ? "every \(step) hours" : "at \(m) minutes past the hour, every \(step) hours"
            }
            if hour.items.count == 1, case .range(let low, let high) = hour.items[0].base, hour.items[0].step == nil {
                return "every hour from \(clock(low, m)) through \(clock(high, m))"
            }
        }
        let minutePart = minutePhrase(minute)
        return everyHour ? minutePart : minutePart + ", " + hourPhrase(hour)
    }

    private static func minutePhrase(_ field: CronField) -> String {
        if isStar(field) { return "every minute" }
        if let step = starStep(field) { return "every \(step) minutes" }
        if field.items.count == 1, case .range(let low, let high) = field.items[0].base {
            let step = field.items[0].step.map { "every \($0) minutes" } ?? "every minute"
            return "\(step) from \(low) through \(high) past the hour"
        }
        let values = field.values
        if values.count <= 12 { return "at \(values.count == 1 ? "minute" : "minutes") \(list(values.map(String.init))) past the hour" }
        return "at minutes \(field.text) past the hour"
    }

    private static func hourPhrase(_ field: CronField) -> String {
        if let step = starStep(field) { return "every \(step) hours" }
        if field.items.count == 1, field.items[0].step == nil {
            switch field.items[0].base {
            case .value(let h): return "between \(clock(h, 0)) and \(clock(h, 59))"
            case .range(let low, let high): return "between \(clock(low, 0)) and \(clock(high, 59))"
            case .all: break
            }
        }
        let values = field.values
        if values.count <= 12 { return "during the \(list(values.map { clock($0, 0) })) \(values.count == 1 ? "hour" : "hours")" }
        return "during hours \(field.text)"
    }

    // MARK: Days and months

    private static func dayPhrase(_ expression: CronExpression) -> String? {
        let dayOfMonth = expression.dayOfMonth
        let dayOfWeek = expression.dayOfWeek
        switch (dayOfMonth.isRestricted, dayOfWeek.isRestricted) {
        case (true, true):
            return "\(monthDayPhrase(dayOfMonth)), or \(weekdayPhrase(dayOfWeek, alone: false))"
        case (true, false):
            let days = monthDayPhrase(dayOfMonth)
            if isStar(dayOfWeek) { return days }
            return "\(days), if it is a \(list(weekdays(dayOfWeek), conjunction: "or"))"
        case (false, true):
            let weekdays = weekdayPhrase(dayOfWeek, alone: true)
            if isStar(dayOfMonth) { return weekdays }
            return "\(monthDayPhrase(dayOfMonth)), \(weekdays)"
        case (false, false):
            var parts: [String] = []
            if !isStar(dayOfMonth) { parts.append(monthDayPhrase(dayOfMonth)) }
            if !isStar(dayOfWeek) { parts.append("only on \(list(weekdays(dayOfWeek), conjunction: "or"))") }
            return parts.isEmpty ? nil : parts.joined(separator: ", ")
        }
    }

    private static func monthDayPhrase(_ field: CronField) -> String {
        if let step = starStep(field) { return "every \(step) days of the month" }
        if let values = plainValues(field), values.count <= 12 {
            return "on \(values.count == 1 ? "day" : "days") \(list(values.map(String.init))) of the month"
        }
        if field.items.count == 1, field.items[0].step == nil, case .range(let low, let high) = field.items[0].base {
            return "on days \(low) through \(high) of the month"
        }
        let values = field.values
        if values.count <= 12 { return "on days \(list(values.map(String.init))) of the month" }
        return "on days \(field.text) of the month"
    }

    private static func weekdayPhrase(_ field: CronField, alone: Bool) -> String {
        if field.items.count == 1, field.items[0].step == nil, case .range(let low, let high) = field.items[0].base, low != high {
            return "\(weekdayNames[low]) through \(weekdayNames[high])"
        }
        let names = weekdays(field)
        return (alone && names.count == 1 ? "only on " : "on ") + list(names)
    }

    private static func monthPhrase(_ field: CronField) -> String? {
        if isStar(field) { return nil }
        if let step = starStep(field) { return "every \(step) months" }
        if field.items.count == 1, field.items[0].step == nil, case .range(let low, let high) = field.items[0].base, low != high {
            return "\(monthNames[low]) through \(monthNames[high])"
        }
        let values = field.values
        return (values.count == 1 ? "only in " : "in ") + list(values.map { monthNames[$0] })
    }

    // MARK: Helpers

    /// Weekday names in week order, Monday first and Sunday last.
    private static func weekdays(_ field: CronField) -> [String] {
        let values = field.values
        let ordered = values.filter { $0 != 0 } + (values.contains(0) ? [0] : [])
        return ordered.map { weekdayNames[$0] }
    }

    private static func isStar(_ field: CronField) -> Bool {
        field.items.count == 1 && field.items[0] == CronField.Item(base: .all, step: nil)
    }

    /// `n` when the field is exactly `*/n` with n > 1.
    private static func starStep(_ field: CronField) -> Int? {
        guard field.items.count == 1, field.items[0].base == .all, let step = field.items[0].step, step > 1 else { return nil }
        return step
    }

    /// The values when every item is a single value without a step.
    private static func plainValues(_ field: CronField) -> [Int]? {
        for item in field.items {
            guard item.step == nil, case .value = item.base else { return nil }
        }
        return field.values
    }

    private static func clock(_ hour: Int, _ minute: Int) -> String {
        (hour < 10 ? "0\(hour)" : "\(hour)") + ":" + (minute < 10 ? "0\(minute)" : "\(minute)")
    }

    /// "a", "a and b", "a, b and c".
    private static func list(_ items: [String], conjunction: String = "and") -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items[items.count - 1]
    }
}

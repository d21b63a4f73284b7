/// A validated five-field cron expression (see CRON.md for the grammar).
///
/// Parsing rejects everything outside the grammar and expressions that can
/// never fire; a value of this type always has a next fire time within the
/// Gregorian calendar (though possibly not within the 30-year horizon).
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as given, without leading and trailing blanks.
    public let text: String
    /// The macro the expression was written as (`@daily`, lowercased), if any.
    public let macro: String?
    public let minute: CronField
    public let hour: CronField
    public let dayOfMonth: CronField
    public let month: CronField
    public let dayOfWeek: CronField

    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *",
        "@annually": "0 0 1 1 *",
        "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *",
        "@midnight": "0 0 * * *",
        "@hourly": "0 * * * *",
    ]

    public init(parsing input: String) throws(CronError) {
        let text = Self.trimmingBlanks(input)
        guard !text.isEmpty else {
            throw CronError(field: "expression", token: nil, message: "expression: empty cron expression")
        }
        var body = text
        if text.hasPrefix("@") {
            guard let expansion = Self.macros[text.lowercased()] else {
                let token = String(text.prefix { !Self.isBlank($0) })
                let known = "@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly"
                throw CronError(
                    field: "expression", token: token,
                    message: "expression: unknown macro \"\(token)\" (supported: \(known))"
                )
            }
            macro = text.lowercased()
            body = expansion
        } else {
            macro = nil
        }
        let parts = body.split(whereSeparator: Self.isBlank).map(String.init)
        guard parts.count == 5 else {
            var message = "expression: expected 5 fields (minute hour day-of-month month day-of-week), got \(parts.count)"
            if parts.count == 6 {
                message += "; seconds and year fields are not supported"
            }
            throw CronError(field: "expression", token: parts.count > 5 ? parts[5] : nil, message: message)
        }
        self.text = text
        minute = try CronFieldParser.parse(parts[0], as: .minute)
        hour = try CronFieldParser.parse(parts[1], as: .hour)
        dayOfMonth = try CronFieldParser.parse(parts[2], as: .dayOfMonth)
        month = try CronFieldParser.parse(parts[3], as: .month)
        dayOfWeek = try CronFieldParser.parse(parts[4], as: .dayOfWeek)
        try checkCanFire()
    }

    /// The five fields in order.
    public var fields: [CronField] { [minute, hour, dayOfMonth, month, dayOfWeek] }

    /// Whether a day matches by day-of-month OR day-of-week (both restricted),
    /// rather than by both (Vixie cron).
    public var matchesEitherDayField: Bool { dayOfMonth.isRestricted && dayOfWeek.isRestricted }

    /// E.g. "At 09:00, Monday through Friday", "Every 15 minutes".
    public var humanDescription: String { CronDescription.describe(self) }

    public var description: String { text }

    public static func == (lhs: CronExpression, rhs: CronExpression) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    /// Rejects day-of-month/month combinations that no calendar date has,
    /// when the day fields are combined with AND.
    private func checkCanFire() throws(CronError) {
        guard !matchesEitherDayField else { return }  // OR: any weekday occurs in every month
        let longest = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        let months = month.values
        let days = dayOfMonth.values
        if months.contains(where: { m in days.contains { $0 <= longest[m] } }) { return }
        let monthNames = CronDescription.monthNames
        let dayList = days.map(String.init).joined(separator: ", ")
        let monthList = months.map { monthNames[$0] }.joined(separator: ", ")
        throw CronError(
            field: "day-of-month/month", token: "\(dayOfMonth.text) \(month.text)",
            message: "day-of-month/month: can never fire (\(dayList) \(monthList))"
        )
    }

    @inline(__always)
    static func isBlank(_ character: Character) -> Bool { character == " " || character == "\t" }

    private static func trimmingBlanks(_ input: String) -> String {
        let isTrimmable: (Character) -> Bool = { $0.isWhitespace }
        guard let first = input.firstIndex(where: { !isTrimmable($0) }),
              let last = input.lastIndex(where: { !isTrimmable($0) })
        else { return "" }
        return String(input[first...last])
    }
}

import Cron
import Testing

@Suite("Parsing valid expressions")
struct CronParserTests {
    struct Valid: CustomTestStringConvertible, Sendable {
        var text: String
        var minutes: [Int]
        var hours: [Int]
        var days: [Int]
        var months: [Int]
        var weekdays: [Int]
        var testDescription: String { text }
    }

    static func all(_ range: ClosedRange<Int>) -> [Int] { Array(range) }

    static let valid: [Valid] = [
        Valid(text: "0 9 * * 1-5", minutes: [0], hours: [9], days: all(1...31), months: all(1...12), weekdays: [1, 2, 3, 4, 5]),
        Valid(text: "*/15 * * * *", minutes: [0, 15, 30, 45], hours: all(0...23), days: all(1...31), months: all(1...12), weekdays: all(0...6)),
        Valid(text: "5/15 0-3 1,15 * *", minutes: [5, 20, 35, 50], hours: [0, 1, 2, 3], days: [1, 15], months: all(1...12), weekdays: all(0...6)),
        Valid(text: "*/60 */24 */31 */12 */7", minutes: [0], hours: [0], days: [1], months: [1], weekdays: [0]),
        Valid(text: "007 09 01 01 00", minutes: [7], hours: [9], days: [1], months: [1], weekdays: [0]),
        Valid(text: "1-1 2-2/5 3-9/3 jan-Mar SUN", minutes: [1], hours: [2], days: [3, 6, 9], months: [1, 2, 3], weekdays: [0]),
        Valid(text: "0 0 * * 7", minutes: [0], hours: [0], days: all(1...31), months: all(1...12), weekdays: [0]),
        Valid(text: "0 0 * * 5-7", minutes: [0], hours: [0], days: all(1...31), months: all(1...12), weekdays: [0, 5, 6]),
        Valid(text: "0 0 * * MON/2", minutes: [0], hours: [0], days: all(1...31), months: all(1...12), weekdays: [0, 1, 3, 5]),
        Valid(text: "0 0 * dec,JAN,feb sat,Sun", minutes: [0], hours: [0], days: all(1...31), months: [1, 2, 12], weekdays: [0, 6]),
        Valid(text: "0 0 * * 1-7", minutes: [0], hours: [0], days: all(1...31), months: all(1...12), weekdays: all(0...6)),
        Valid(text: "0 0 29 2 *", minutes: [0], hours: [0], days: [29], months: [2], weekdays: all(0...6)),
        Valid(text: "0 0 31 * *", minutes: [0], hours: [0], days: [31], months: all(1...12), weekdays: all(0...6)),
        Valid(text: "0 0 30 2 MON", minutes: [0], hours: [0], days: [30], months: [2], weekdays: [1]),
        Valid(text: "59 23 31 12 6", minutes: [59], hours: [23], days: [31], months: [12], weekdays: [6]),
    ]

    @Test("fields expand to the right values", arguments: valid)
    func expands(_ valid: Valid) throws {
        let expression = try CronExpression(parsing: valid.text)
        #expect(expression.minute.values == valid.minutes)
        #expect(expression.hour.values == valid.hours)
        #expect(expression.dayOfMonth.values == valid.days)
        #expect(expression.month.values == valid.months)
        #expect(expression.dayOfWeek.values == valid.weekdays)
        #expect(expression.text == valid.text)
    }

    @Test("macros in any case expand as CRON.md says", arguments: [
        ("@yearly", "0 0 1 1 *"), ("@ANNUALLY", "0 0 1 1 *"), ("@Monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"), ("@daily", "0 0 * * *"), ("@MIDNIGHT", "0 0 * * *"), ("@hourly", "0 * * * *"),
    ])
    func macro(_ macro: String, expansion: String) throws {
        let parsed = try CronExpression(parsing: macro)
        let expanded = try CronExpression(parsing: expansion)
        #expect(parsed.fields.map(\.values) == expanded.fields.map(\.values))
        #expect(parsed.fields.map(\.isRestricted) == expanded.fields.map(\.isRestricted))
        #expect(parsed.macro == macro.lowercased())
        #expect(parsed.text == macro)
    }

    @Test("leading, trailing and repeated blanks are ignored")
    func blanks() throws {
        let expression = try CronExpression(parsing: " \t 0  9\t* *   1-5 \n")
        #expect(expression.text == "0  9\t* *   1-5")
        #expect(expression.hour.values == [9])
        #expect(expression.dayOfWeek.values == [1, 2, 3, 4, 5])
        #expect(try CronExpression(parsing: "  @daily  ").minute.values == [0])
    }

    @Test("Vixie rule: a day field is restricted unless its text starts with *")
    func restriction() throws {
        let odd = try CronExpression(parsing: "0 0 */2 * MON")
        #expect(!odd.dayOfMonth.isRestricted)
        #expect(odd.dayOfWeek.isRestricted)
        #expect(!odd.matchesEitherDayField)
        let every = try CronExpression(parsing: "0 0 1-31 * MON")
        #expect(every.matchesEitherDayField)
        #expect(try !CronExpression(parsing: "0 0 *,5 * MON").matchesEitherDayField)
    }

    @Test("equal text means equal expressions")
    func hashable() throws {
        #expect(try CronExpression(parsing: "0 9 * * *") == CronExpression(parsing: " 0 9 * * * "))
        #expect(try CronExpression(parsing: "0 9 * * *") != CronExpression(parsing: "0 10 * * *"))
    }
}

@Suite("Rejecting invalid expressions")
struct CronParserErrorTests {
    struct Invalid: CustomTestStringConvertible, Sendable {
        var text: String
        var field: String
        var token: String?
        /// Text the message must contain (after the field prefix).
        var mentions: String
        var testDescription: String { "\"\(text)\"" }
    }

    static let cases: [Invalid] = [
        // Field count.
        Invalid(text: "", field: "expression", token: nil, mentions: "empty"),
        Invalid(text: "   ", field: "expression", token: nil, mentions: "empty"),
        Invalid(text: "* * * *", field: "expression", token: nil, mentions: "expected 5 fields"),
        Invalid(text: "0 0 * * * *", field: "expression", token: "*", mentions: "got 6; seconds and year fields are not supported"),
        Invalid(text: "0 0 0 * * * 2024", field: "expression", token: "*", mentions: "got 7"),
        // Out of range.
        Invalid(text: "60 * * * *", field: "minute", token: "60", mentions: "value \"60\" is out of range 0-59"),
        Invalid(text: "* 24 * * *", field: "hour", token: "24", mentions: "out of range 0-23"),
        Invalid(text: "* * 0 * *", field: "day-of-month", token: "0", mentions: "out of range 1-31"),
        Invalid(text: "* * 32 * *", field: "day-of-month", token: "32", mentions: "out of range 1-31"),
        Invalid(text: "* * * 0 *", field: "month", token: "0", mentions: "out of range 1-12"),
        Invalid(text: "* * * 13 *", field: "month", token: "13", mentions: "out of range 1-12"),
        Invalid(text: "* * * * 8", field: "day-of-week", token: "8", mentions: "out of range 0-7"),
        Invalid(text: "1-60 * * * *", field: "minute", token: "60", mentions: "out of range"),
        Invalid(text: "99999999999999999999 * * * *", field: "minute", token: "99999999999999999999", mentions: "out of range"),
        // Steps.
        Invalid(text: "*/0 * * * *", field: "minute", token: "*/0", mentions: "step must be at least 1"),
        Invalid(text: "* 1-5/0 * * *", field: "hour", token: "1-5/0", mentions: "step must be at least 1"),
        Invalid(text: "*/ * * * *", field: "minute", token: "*/", mentions: "missing step"),
        Invalid(text: "*/x * * * *", field: "minute", token: "x", mentions: "step \"x\" is not a number"),
        Invalid(text: "*/5/2 * * * *", field: "minute", token: "*/5/2", mentions: "more than one step"),
        Invalid(text: "/5 * * * *", field: "minute", token: "/5", mentions: "missing value"),
        // Reversed ranges.
        Invalid(text: "5-1 * * * *", field: "minute", token: "5-1", mentions: "reversed range \"5-1\""),
        Invalid(text: "* * * * FRI-MON", field: "day-of-week", token: "FRI-MON", mentions: "reversed range \"FRI-MON\""),
        Invalid(text: "* * * DEC-JAN *", field: "month", token: "DEC-JAN", mentions: "reversed range"),
        // Names.
        Invalid(text: "* * * * MONDAY", field: "day-of-week", token: "MONDAY", mentions: "unknown name \"MONDAY\""),
        Invalid(text: "* * * JANUARY *", field: "month", token: "JANUARY", mentions: "unknown name \"JANUARY\""),
        Invalid(text: "* * * MON *", field: "month", token: "MON", mentions: "is a day-of-week name, not a month"),
        Invalid(text: "* * * * JAN", field: "day-of-week", token: "JAN", mentions: "is a month name"),
        Invalid(text: "JAN * * * *", field: "minute", token: "JAN", mentions: "names are not allowed in the minute field"),
        Invalid(text: "* * MON * *", field: "day-of-month", token: "MON", mentions: "names are not allowed"),
        Invalid(text: "abc * * * *", field: "minute", token: "abc", mentions: "invalid value"),
        // Empty list items.
        Invalid(text: "1,,2 * * * *", field: "minute", token: "1,,2", mentions: "empty list item in \"1,,2\""),
        Invalid(text: "* 1, * * *", field: "hour", token: "1,", mentions: "empty list item"),
        Invalid(text: "* * * * ,1", field: "day-of-week", token: ",1", mentions: "empty list item"),
        // Other cron dialects.
        Invalid(text: "* * ? * *", field: "day-of-month", token: "?", mentions: "\"?\" is not supported"),
        Invalid(text: "0 0 ? * MON", field: "day-of-month", token: "?", mentions: "\"?\" is not supported"),
        Invalid(text: "* * L * *", field: "day-of-month", token: "L", mentions: "Quartz"),
        Invalid(text: "* * 15W * *", field: "day-of-month", token: "15W", mentions: "Quartz"),
        Invalid(text: "* * LW * *", field: "day-of-month", token: "LW", mentions: "Quartz"),
        Invalid(text: "* * * * 5L", field: "day-of-week", token: "5L", mentions: "Quartz"),
        Invalid(text: "* * * * L", field: "day-of-week", token: "L", mentions: "Quartz"),
        Invalid(text: "* * * * MON#2", field: "day-of-week", token: "MON#2", mentions: "\"#\""),
        Invalid(text: "H * * * *", field: "minute", token: "H", mentions: "\"H\" (hashed values) is not supported"),
        Invalid(text: "H/15 * * * *", field: "minute", token: "H/15", mentions: "\"H\""),
        Invalid(text: "H(0-29)/10 * * * *", field: "minute", token: "H(0-29)/10", mentions: "\"H\""),
        // Signs, decimals, non-ASCII digits, stray characters.
        Invalid(text: "-5 * * * *", field: "minute", token: "-5", mentions: "signs are not allowed"),
        Invalid(text: "+5 * * * *", field: "minute", token: "+5", mentions: "signs are not allowed"),
        Invalid(text: "*/-5 * * * *", field: "minute", token: "-5", mentions: "signs are not allowed"),
        Invalid(text: "1.5 * * * *", field: "minute", token: "1.5", mentions: "decimal numbers are not allowed"),
        Invalid(text: "\u{0663} * * * *", field: "minute", token: "\u{0663}", mentions: "only ASCII digits"),
        Invalid(text: "* \u{FF15} * * *", field: "hour", token: "\u{FF15}", mentions: "only ASCII digits"),
        Invalid(text: "* * * * m\u{00F6}n", field: "day-of-week", token: "\u{00F6}", mentions: "unexpected character"),
        Invalid(text: "*-5 * * * *", field: "minute", token: "*-5", mentions: "\"*\" must stand alone"),
        Invalid(text: "5- * * * *", field: "minute", token: "5-", mentions: "has no end"),
        Invalid(text: "1-2-3 * * * *", field: "minute", token: "1-2-3", mentions: "invalid range"),
        // Macros.
        Invalid(text: "@reboot", field: "expression", token: "@reboot", mentions: "unknown macro \"@reboot\""),
        Invalid(text: "@every 5m", field: "expression", token: "@every", mentions: "unknown macro \"@every\""),
        Invalid(text: "@daily 0", field: "expression", token: "@daily", mentions: "unknown macro"),
        // Can never fire.
        Invalid(text: "0 0 30 2 *", field: "day-of-month/month", token: "30 2", mentions: "can never fire (30 February)"),
        Invalid(text: "0 0 31 4,6,9,11 *", field: "day-of-month/month", token: "31 4,6,9,11",
                mentions: "can never fire (31 April, June, September, November)"),
        Invalid(text: "0 0 30 2 */2", field: "day-of-month/month", token: "30 2", mentions: "can never fire (30 February)"),
        Invalid(text: "0 0 30,31 FEB *,MON", field: "day-of-month/month", token: "30,31 FEB", mentions: "can never fire (30, 31 February)"),
    ]

    @Test("every invalid class is rejected, naming the field and the token", arguments: cases)
    func rejects(_ invalid: Invalid) {
        #expect {
            _ = try CronExpression(parsing: invalid.text)
        } throws: { error in
            guard let error = error as? CronError else { return false }
            return error.field == invalid.field && error.token == invalid.token
                && error.message.hasPrefix("\(invalid.field): ") && error.message.contains(invalid.mentions)
                && error.code == "invalid_cron"
        }
    }

    @Test("messages from the spec, exactly")
    func exactMessages() {
        #expect(throws: CronError(field: "day-of-week", token: "MONDAY", message: "day-of-week: unknown name \"MONDAY\"")) {
            try CronExpression(parsing: "0 9 * * MONDAY")
        }
        #expect(throws: CronError(field: "day-of-month/month", token: "30 2", message: "day-of-month/month: can never fire (30 February)")) {
            try CronExpression(parsing: "0 0 30 2 *")
        }
    }

    @Test("the error reads as its message")
    func description() {
        let error = CronError(field: "minute", token: "60", message: "minute: value \"60\" is out of range 0-59")
        #expect("\(error)" == "minute: value \"60\" is out of range 0-59")
        #expect(error.kind == .invalidCron)
    }
}

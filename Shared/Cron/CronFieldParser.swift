/// Parses one field of a cron expression, with an error naming the field and
/// the offending token for every way it can be wrong.
enum CronFieldParser {
    static func parse(_ text: String, as kind: CronField.Kind) throws(CronError) -> CronField {
        var items: [CronField.Item] = []
        for piece in text.split(separator: ",", omittingEmptySubsequences: false) {
            if piece.isEmpty {
                throw .cron(kind.name, token: text, "empty list item in \"\(text)\"")
            }
            items.append(try parseItem(String(piece), kind: kind))
        }
        return CronField(kind: kind, text: text, items: items)
    }

    private static func parseItem(_ item: String, kind: CronField.Kind) throws(CronError) -> CronField.Item {
        try rejectForeignSyntax(item, kind: kind)
        let parts = item.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else {
            throw .cron(kind.name, token: item, "more than one step in \"\(item)\"")
        }
        let step: Int?
        if parts.count == 2 {
            step = try parseStep(String(parts[1]), item: item, kind: kind)
        } else {
            step = nil
        }
        let baseText = String(parts[0])
        if baseText == "*" {
            return CronField.Item(base: .all, step: step)
        }
        if baseText.isEmpty {
            throw .cron(kind.name, token: item, "missing value before \"/\" in \"\(item)\"")
        }
        if baseText.contains("*") {
            throw .cron(kind.name, token: item, "\"*\" must stand alone or be followed by a step in \"\(item)\"")
        }
        let bounds = baseText.split(separator: "-", omittingEmptySubsequences: false)
        switch bounds.count {
        case 1:
            return CronField.Item(base: .value(try parseValue(baseText, kind: kind)), step: step)
        case 2:
            if bounds[0].isEmpty {
                throw .cron(kind.name, token: item, "signs are not allowed (\"\(item)\")")
            }
            if bounds[1].isEmpty {
                throw .cron(kind.name, token: item, "range \"\(baseText)\" has no end")
            }
            let low = try parseValue(String(bounds[0]), kind: kind)
            let high = try parseValue(String(bounds[1]), kind: kind)
            guard low <= high else {
                throw .cron(kind.name, token: baseText, "reversed range \"\(baseText)\" (start is after end)")
            }
            return CronField.Item(base: .range(low, high), step: step)
        default:
            if bounds[0].isEmpty {
                throw .cron(kind.name, token: item, "signs are not allowed (\"\(item)\")")
            }
            throw .cron(kind.name, token: baseText, "invalid range \"\(baseText)\"")
        }
    }

    private static func parseStep(_ text: String, item: String, kind: CronField.Kind) throws(CronError) -> Int {
        if text.isEmpty {
            throw .cron(kind.name, token: item, "missing step after \"/\" in \"\(item)\"")
        }
        if text.first == "-" || text.first == "+" {
            throw .cron(kind.name, token: text, "signs are not allowed (\"\(item)\")")
        }
        guard let step = asciiNumber(text) else {
            throw .cron(kind.name, token: text, "step \"\(text)\" is not a number")
        }
        guard step >= 1 else {
            throw .cron(kind.name, token: item, "step must be at least 1 (\"\(item)\")")
        }
        return step
    }

    private static func parseValue(_ text: String, kind: CronField.Kind) throws(CronError) -> Int {
        if let number = asciiNumber(text) {
            guard kind.range.contains(number) else {
                let range = "\(kind.range.lowerBound)-\(kind.range.upperBound)"
                throw .cron(kind.name, token: text, "value \"\(text)\" is out of range \(range)")
            }
            return number
        }
        let upper = text.uppercased()
        guard text.utf8.allSatisfy({ isASCIILetter($0) }) else {
            // `5L`, `15W`: Quartz "last" / "nearest weekday" suffixes.
            if let last = upper.last, last == "L" || last == "W", asciiNumber(String(upper.dropLast())) != nil {
                throw .cron(kind.name, token: text, "\"\(text)\" (Quartz syntax) is not supported")
            }
            throw .cron(kind.name, token: text, "invalid value \"\(text)\"")
        }
        if upper == "L" || upper == "W" || upper == "LW" {
            throw .cron(kind.name, token: text, "\"\(text)\" (Quartz syntax) is not supported")
        }
        if let index = kind.names.firstIndex(of: upper) {
            return index + kind.nameOffset
        }
        switch kind {
        case .minute, .hour, .dayOfMonth:
            if isAnyName(upper) {
                throw .cron(kind.name, token: text, "names are not allowed in the \(kind.name) field (\"\(text)\")")
            }
            throw .cron(kind.name, token: text, "invalid value \"\(text)\"")
        case .month:
            if CronField.Kind.dayOfWeek.names.contains(upper) {
                throw .cron(kind.name, token: text, "\"\(text)\" is a day-of-week name, not a month")
            }
            throw .cron(kind.name, token: text, "unknown name \"\(text)\"")
        case .dayOfWeek:
            if CronField.Kind.month.names.contains(upper) {
                throw .cron(kind.name, token: text, "\"\(text)\" is a month name, not a day of the week")
            }
            throw .cron(kind.name, token: text, "unknown name \"\(text)\"")
        }
    }

    /// Rejects syntax from other cron dialects and characters outside the
    /// grammar, with a message that says what was recognised.
    private static func rejectForeignSyntax(_ item: String, kind: CronField.Kind) throws(CronError) {
        let upper = item.uppercased()
        if upper == "H" || upper.hasPrefix("H(") || upper.hasPrefix("H/") {
            throw .cron(kind.name, token: item, "\"H\" (hashed values) is not supported (\"\(item)\")")
        }
        for character in item {
            if let ascii = character.asciiValue,
               (48...57).contains(ascii) || isASCIILetter(ascii) || ascii == 42 || ascii == 45 || ascii == 47 {
                continue  // digit, letter, "*", "-", "/"
            }
            switch character {
            case "?":
                throw .cron(kind.name, token: "?", "\"?\" is not supported; use \"*\" (\"\(item)\")")
            case "#":
                throw .cron(kind.name, token: item, "\"#\" (nth weekday of the month) is not supported (\"\(item)\")")
            case "+":
                throw .cron(kind.name, token: item, "signs are not allowed (\"\(item)\")")
            case ".":
                throw .cron(kind.name, token: item, "decimal numbers are not allowed (\"\(item)\")")
            default:
                if character.isNumber {
                    throw .cron(kind.name, token: String(character), "only ASCII digits 0-9 are allowed (\"\(item)\")")
                }
                throw .cron(kind.name, token: String(character), "unexpected character \"\(character)\" in \"\(item)\"")
            }
        }
    }

    private static func isAnyName(_ upper: String) -> Bool {
        CronField.Kind.month.names.contains(upper) || CronField.Kind.dayOfWeek.names.contains(upper)
    }

    @inline(__always)
    private static func isASCIILetter(_ byte: UInt8) -> Bool {
        (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
    }

    /// ASCII digits only, leading zeros allowed; huge values saturate.
    static func asciiNumber(_ text: String) -> Int? {
        guard !text.isEmpty else { return nil }
        var value = 0
        for byte in text.utf8 {
            guard byte >= 48, byte <= 57 else { return nil }
            value = min(value * 10 + Int(byte - 48), 1_000_000_000)
        }
        return value
    }
}

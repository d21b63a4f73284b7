import Foundation

/// Conversion between `Date` and Postgres' ISO text form (`DateStyle = ISO`),
/// done with integer arithmetic so it is exact to the microsecond and needs no
/// formatter objects.
enum PostgresTimestamp {
    /// `2024-03-10 07:30:00.123456+00` (UTC, microseconds).
    static func format(_ date: Date) -> String {
        let totalMicros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let (seconds, micros) = floorDivide(totalMicros, 1_000_000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        let (year, month, day) = civil(fromDays: days)
        let hour = secondOfDay / 3600, minute = secondOfDay / 60 % 60, second = secondOfDay % 60
        let bc = year <= 0
        var text = pad(bc ? 1 - year : year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
        text += " " + pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2)
        if micros != 0 { text += "." + pad(micros, 6) }
        text += "+00"
        if bc { text += " BC" }
        return text
    }

    /// Parses `timestamptz`, `timestamp` (taken as UTC) and `date` (UTC midnight)
    /// text. Accepts a `T` or blank separator, any number of fraction digits,
    /// offsets `Z`, `±HH`, `±HH:MM`, `±HH:MM:SS`, a trailing ` BC`, and
    /// `infinity`/`-infinity` (mapped to `Date.distantFuture`/`distantPast`).
    static func parse(_ text: String) -> Date? {
        if text == "infinity" { return .distantFuture }
        if text == "-infinity" { return .distantPast }
        var scanner = ByteScanner(Array(text.utf8))
        var bc = false
        if scanner.bytes.count > 3, scanner.bytes.suffix(3).elementsEqual(" BC".utf8) {
            bc = true
            scanner.bytes.removeLast(3)
        }
        guard let rawYear = scanner.number(minDigits: 4, maxDigits: 7), scanner.expect("-"),
            let month = scanner.number(minDigits: 2, maxDigits: 2), scanner.expect("-"),
            let day = scanner.number(minDigits: 2, maxDigits: 2),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        let year = bc ? 1 - rawYear : rawYear
        var secondOfDay: Int64 = 0
        var micros: Int64 = 0
        var offsetSeconds: Int64 = 0
        if !scanner.atEnd {
            guard scanner.expect(" ") || scanner.expect("T"),
                let hour = scanner.number(minDigits: 2, maxDigits: 2), scanner.expect(":"),
                let minute = scanner.number(minDigits: 2, maxDigits: 2), scanner.expect(":"),
                let second = scanner.number(minDigits: 2, maxDigits: 2),
                hour <= 24, minute <= 59, second <= 60
            else { return nil }
            secondOfDay = hour * 3600 + minute * 60 + second
            if scanner.expect(".") {
                var scale: Int64 = 100_000
                var digits = 0
                while let digit = scanner.digit() {
                    micros += digit * scale
                    scale /= 10
                    digits += 1
                }
                guard digits > 0 else { return nil }
            }
            if scanner.expect("Z") {
                offsetSeconds = 0
            } else if let sign: Int64 = scanner.expect("+") ? 1 : (scanner.expect("-") ? -1 : nil) {
                guard let offsetHours = scanner.number(minDigits: 2, maxDigits: 2) else { return nil }
                var offset = offsetHours * 3600
                _ = scanner.expect(":")
                if let offsetMinutes = scanner.number(minDigits: 2, maxDigits: 2) {
                    offset += offsetMinutes * 60
                    _ = scanner.expect(":")
                    if let offsetSecs = scanner.number(minDigits: 2, maxDigits: 2) { offset += offsetSecs }
                }
                offsetSeconds = sign * offset
            }
            guard scanner.atEnd else { return nil }
        }
        let days = days(fromCivil: year, month, day)
        let seconds = days * 86_400 + secondOfDay - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000)
    }

    // MARK: Calendar arithmetic (proleptic Gregorian, H. Hinnant's algorithms)

    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let quotient = a >= 0 ? a / b : -((-a + b - 1) / b)
        return (quotient, a - quotient * b)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

/// A minimal cursor over ASCII bytes.
private struct ByteScanner {
    var bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { position >= bytes.count }

    mutating func expect(_ character: Unicode.Scalar) -> Bool {
        guard !atEnd, bytes[position] == UInt8(ascii: character) else { return false }
        position += 1
        return true
    }

    mutating func digit() -> Int64? {
        guard !atEnd, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") else { return nil }
        defer { position += 1 }
        return Int64(bytes[position] - UInt8(ascii: "0"))
    }

    mutating func number(minDigits: Int, maxDigits: Int) -> Int64? {
        let start = position
        var value: Int64 = 0
        while position - start < maxDigits, let digit = digit() { value = value * 10 + digit }
        if position - start < minDigits {
            position = start
            return nil
        }
        return value
    }
}

public import Foundation

/// RFC 3339 instants without `DateFormatter`: pure functions, safe from any
/// thread, and fast.
public enum InstantFormat {
    /// `2024-03-10T07:30:00Z`: UTC, whole seconds (fractions are dropped,
    /// rounding down), `Z`. Years outside 0000...9999 are written as is.
    public static func string(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds.isFinite, abs(seconds) < 1e15 else { return "invalid-date" }
        let total = Int64(seconds)
        let days = CivilTime.floorDiv(total, CivilTime.secondsPerDay)
        let secondOfDay = Int(total - days * CivilTime.secondsPerDay)
        let (year, month, day) = CivilTime.date(fromDays: days)
        let (hour, minute, second) = (secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60)
        guard (0...9_999).contains(year) else {
            return "\(year)-\(pad(month))-\(pad(day))T\(pad(hour)):\(pad(minute)):\(pad(second))Z"
        }
        return String(unsafeUninitializedCapacity: 20) { buffer in
            func put(_ index: Int, _ value: Int) {
                buffer[index] = UInt8(ascii: "0") + UInt8(value / 10)
                buffer[index + 1] = UInt8(ascii: "0") + UInt8(value % 10)
            }
            put(0, Int(year) / 100)
            put(2, Int(year) % 100)
            buffer[4] = UInt8(ascii: "-")
            put(5, month)
            buffer[7] = UInt8(ascii: "-")
            put(8, day)
            buffer[10] = UInt8(ascii: "T")
            put(11, hour)
            buffer[13] = UInt8(ascii: ":")
            put(14, minute)
            buffer[16] = UInt8(ascii: ":")
            put(17, second)
            buffer[19] = UInt8(ascii: "Z")
            return 20
        }
    }

    /// `2024-03-10T07:30:00.123Z`: like `string(_:)` with milliseconds (rounded down), always
    /// 24 characters for years 0000...9999, so such timestamps sort as text.
    public static func stringWithMilliseconds(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        guard interval.isFinite, abs(interval) < 1e15 else { return "invalid-date" }
        let millis = Int64((interval * 1000).rounded(.down))
        let remainder = Int(millis - CivilTime.floorDiv(millis, 1000) * 1000)
        var text = string(Date(timeIntervalSince1970: Double(CivilTime.floorDiv(millis, 1000))))
        text.removeLast()
        let digits = String(remainder)
        return text + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (RFC 3339; `t`, `z`
    /// and a space separator accepted). Nil when malformed or out of range.
    public static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    private static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        guard bytes.count >= 20 else { return nil }
        func number(_ from: Int, _ length: Int) -> Int? {
            var value = 0
            for index in from..<(from + length) {
                let byte = bytes[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0, 4), bytes[4] == UInt8(ascii: "-"),
              let month = number(5, 2), bytes[7] == UInt8(ascii: "-"),
              let day = number(8, 2),
              [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(bytes[10]),
              let hour = number(11, 2), bytes[13] == UInt8(ascii: ":"),
              let minute = number(14, 2), bytes[16] == UInt8(ascii: ":"),
              let second = number(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= CivilTime.daysInMonth(year: Int64(year), month: month),
              hour <= 23, minute <= 59, second <= 60
        else { return nil }

        var index = 19
        var fraction = 0.0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let digitsStart = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > digitsStart else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offset = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard bytes.count - index >= 6, let offsetHours = number(index + 1, 2),
                  bytes[index + 3] == UInt8(ascii: ":"), let offsetMinutes = number(index + 4, 2),
                  offsetHours <= 23, offsetMinutes <= 59
            else { return nil }
            offset = (offsetHours * 60 + offsetMinutes) * 60 * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        default:
            return nil
        }
        guard index == bytes.count else { return nil }
        let days = CivilTime.days(year: Int64(year), month: month, day: day)
        let seconds = days * CivilTime.secondsPerDay + Int64(hour * 3600 + minute * 60 + second - offset)
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    private static func pad(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}

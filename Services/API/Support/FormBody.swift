import Foundation

/// `application/x-www-form-urlencoded` bodies (what OAuth2 password-flow clients
/// send to `POST /token`).
public enum FormBody {
    public static let mediaType = "application/x-www-form-urlencoded"

    /// Name → value; `+` is a space, `%XX` is a UTF-8 byte. When a name repeats,
    /// the first value wins. Invalid percent-encoding or UTF-8 is 422 `malformed_form`.
    public static func parse(_ bytes: [UInt8]) throws -> [String: String] {
        var fields: [String: String] = [:]
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = try decode(parts[0])
            let value = parts.count > 1 ? try decode(parts[1]) : ""
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    private static func decode(_ component: ArraySlice<UInt8>) throws -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(component.count)
        var index = component.startIndex
        while index < component.endIndex {
            let byte = component[index]
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%") {
                guard component.endIndex - index >= 3, let high = hexValue(component[index + 1]),
                    let low = hexValue(component[index + 2])
                else { throw malformed }
                bytes.append(high << 4 | low)
                index += 2
            } else {
                bytes.append(byte)
            }
            index += 1
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw malformed }
        return text
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static var malformed: APIError {
        APIError.unprocessable("Malformed form body: invalid percent-encoding or UTF-8", code: "malformed_form")
    }
}

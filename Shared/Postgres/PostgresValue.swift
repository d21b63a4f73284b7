import Foundation

/// A statement parameter. Values are always sent out-of-band as text-format
/// parameters of `PQexecParams`; they are never spliced into SQL text.
public enum PostgresValue: Sendable, Hashable {
    case null
    /// Sent with an unspecified type, so the server infers it from context
    /// (text, varchar, a `CHECK`ed text column…). Cast in SQL (`$1::text`) when
    /// there is no context.
    case text(String)
    /// Sent as `int8`.
    case int(Int)
    /// Sent as `float8`.
    case double(Double)
    /// Sent as `bool`.
    case bool(Bool)
    /// Sent as `uuid`.
    case uuid(UUID)
    /// Sent as `timestamptz`, in UTC with microsecond precision.
    case timestamp(Date)
    /// JSON document text (UTF-8), sent as `jsonb`.
    case json([UInt8])
    /// Raw bytes, sent as `bytea`.
    case bytea([UInt8])
    /// Sent as `text[]`; use with `= ANY($1)`.
    case textArray([String])
    /// Sent as `uuid[]`; use with `= ANY($1)`.
    case uuidArray([UUID])
    /// Sent as `text[]` with SQL NULL elements for `nil`; cast in SQL (`$1::float8[]`) for other types.
    case optionalTextArray([String?])
    /// Sent as `int8[]` (for `unnest` of batched rows).
    case intArray([Int])
    /// Sent as `timestamptz[]`, in UTC with microsecond precision.
    case timestampArray([Date])

    /// JSON given as a string.
    public static func json(_ text: String) -> PostgresValue { .json(Array(text.utf8)) }

    /// JSON given as `Data`.
    public static func json(_ data: Data) -> PostgresValue { .json([UInt8](data)) }

    /// Encodes `value` with `encoder` and sends it as `jsonb`.
    public static func json(
        encoding value: some Encodable, encoder: JSONEncoder = JSONEncoder()
    ) throws -> PostgresValue {
        .json([UInt8](try encoder.encode(value)))
    }

    /// `.null` for `nil`, otherwise the wrapped value's representation.
    public init<T: PostgresBindable>(_ value: T?) {
        self = value?.postgresValue ?? .null
    }

    /// Type OID announced to the server (0 = let the server infer).
    var typeOID: UInt32 {
        switch self {
        case .null, .text: return 0
        case .int: return 20  // int8
        case .double: return 701  // float8
        case .bool: return 16
        case .uuid: return 2950
        case .timestamp: return 1184  // timestamptz
        case .json: return 3802  // jsonb
        case .bytea: return 17
        case .textArray, .optionalTextArray: return 1009
        case .uuidArray: return 2951
        case .intArray: return 1016
        case .timestampArray: return 1185
        }
    }

    /// The text-format wire representation, or nil for SQL NULL.
    func textRepresentation(index: Int) throws(PostgresError) -> String? {
        let text: String
        switch self {
        case .null: return nil
        case .text(let value): text = value
        case .int(let value): text = String(value)
        case .double(let value):
            if value.isNaN {
                text = "NaN"
            } else if value.isInfinite {
                text = value < 0 ? "-Infinity" : "Infinity"
            } else {
                text = "\(value)"
            }
        case .bool(let value): text = value ? "true" : "false"
        case .uuid(let value): text = value.uuidString
        case .timestamp(let value): text = PostgresTimestamp.format(value)
        case .json(let bytes):
            guard let string = String(validating: bytes, as: UTF8.self) else {
                throw PostgresError(.invalidParameter, message: "bind $\(index + 1): JSON is not valid UTF-8")
            }
            text = string
        case .bytea(let bytes): text = PostgresBytes.hexEncode(bytes)
        case .textArray(let values): text = Self.arrayLiteral(values)
        case .optionalTextArray(let values): text = Self.arrayLiteral(values)
        case .uuidArray(let values): text = "{" + values.map(\.uuidString).joined(separator: ",") + "}"
        case .intArray(let values): text = "{" + values.map(String.init).joined(separator: ",") + "}"
        case .timestampArray(let values): text = "{" + values.map { "\"" + PostgresTimestamp.format($0) + "\"" }.joined(separator: ",") + "}"
        }
        if text.utf8.contains(0) {
            throw PostgresError(
                .invalidParameter, message: "bind $\(index + 1) contains a NUL byte, which Postgres text cannot hold")
        }
        return text
    }

    /// `{"a","b \"quoted\""}`: every element quoted, `"` and `\` escaped; `NULL` for nil.
    private static func arrayLiteral(_ values: [String?]) -> String {
        var out = "{"
        for (position, value) in values.enumerated() {
            if position > 0 { out += "," }
            guard let value else {
                out += "NULL"
                continue
            }
            out += "\""
            for character in value.unicodeScalars {
                if character == "\"" || character == "\\" { out += "\\" }
                out.unicodeScalars.append(character)
            }
            out += "\""
        }
        return out + "}"
    }
}

extension PostgresValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
}

/// A Swift type that can be sent as a statement parameter.
public protocol PostgresBindable {
    var postgresValue: PostgresValue { get }
}

extension String: PostgresBindable { public var postgresValue: PostgresValue { .text(self) } }
extension Int: PostgresBindable { public var postgresValue: PostgresValue { .int(self) } }
extension Int64: PostgresBindable { public var postgresValue: PostgresValue { .int(Int(self)) } }
extension Int32: PostgresBindable { public var postgresValue: PostgresValue { .int(Int(self)) } }
extension Double: PostgresBindable { public var postgresValue: PostgresValue { .double(self) } }
extension Bool: PostgresBindable { public var postgresValue: PostgresValue { .bool(self) } }
extension UUID: PostgresBindable { public var postgresValue: PostgresValue { .uuid(self) } }
extension Date: PostgresBindable { public var postgresValue: PostgresValue { .timestamp(self) } }
extension PostgresValue: PostgresBindable { public var postgresValue: PostgresValue { self } }

/// Hex (`\x…`) encoding and decoding of `bytea` text.
enum PostgresBytes {
    private static let digits = Array("0123456789abcdef".utf8)

    static func hexEncode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(2 + bytes.count * 2)
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "x"))
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `\x0a1b…`; nil when the text is not hex-format bytea.
    static func hexDecode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"),
            utf8.count % 2 == 0
        else { return nil }
        var out = [UInt8]()
        out.reserveCapacity((utf8.count - 2) / 2)
        var index = 2
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// One reply from the server, copied out of hiredis' `redisReply` tree.
///
/// Bulk strings are kept as bytes (Redis strings are binary); `string` decodes
/// them as UTF-8. Error replies at the top level of a command are thrown as
/// `RedisError(.server, …)`; `.error` only appears nested, e.g. inside `EXEC`
/// or script results.
public enum RedisReply: Sendable, Hashable {
    /// `+OK`, `+PONG`, `+QUEUED`, …
    case status(String)
    /// `-ERR …` nested inside an array.
    case error(String)
    case integer(Int64)
    /// A bulk string, binary-safe.
    case bulk([UInt8])
    /// A nil bulk string or nil array.
    case null
    case array([RedisReply])
}

extension RedisReply {
    /// The bulk string's bytes, or a status line's UTF-8 bytes.
    public var bytes: [UInt8]? {
        switch self {
        case .bulk(let bytes): bytes
        case .status(let line): Array(line.utf8)
        default: nil
        }
    }

    /// The bulk string or status line as text; `nil` for other types and for
    /// bulk strings that are not valid UTF-8.
    public var string: String? {
        switch self {
        case .bulk(let bytes): String(validating: bytes, as: UTF8.self)
        case .status(let line): line
        default: nil
        }
    }

    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    public var array: [RedisReply]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

extension RedisReply: CustomStringConvertible {
    public var description: String {
        switch self {
        case .status(let line): "+\(line)"
        case .error(let line): "-\(line)"
        case .integer(let value): ":\(value)"
        case .bulk(let bytes):
            if let text = String(validating: bytes, as: UTF8.self) {
                "\"\(text)\""
            } else {
                "<\(bytes.count) bytes>"
            }
        case .null: "(nil)"
        case .array(let elements): "[" + elements.map(\.description).joined(separator: ", ") + "]"
        }
    }
}

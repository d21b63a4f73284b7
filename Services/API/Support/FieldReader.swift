import Domain

/// A key of a request body: absent, explicitly `null`, or a value. Partial
/// updates (`PUT`) tell "leave unchanged" (absent) from "clear" (null).
public enum Field<Value> {
    case absent
    case null
    case value(Value)

    /// The value, or nil when absent or null.
    public var value: Value? {
        if case .value(let value) = self { return value }
        return nil
    }

    /// True unless absent.
    public var isPresent: Bool {
        if case .absent = self { return false }
        return true
    }
}

extension Field: Sendable where Value: Sendable {}
extension Field: Equatable where Value: Equatable {}

/// How to read one field's JSON value as a Swift value. Failures are 422s whose
/// detail names the field (`name: expected a string, got a number`).
public struct FieldType<Value>: Sendable {
    /// What the field should be, for messages ("a string").
    public let expected: String
    let convert: @Sendable (JSONValue, _ path: String) throws -> Value

    /// A type with its own conversion; throw `FieldReader.invalid(path, …)` on failure.
    public init(expected: String, convert: @escaping @Sendable (JSONValue, _ path: String) throws -> Value) {
        self.expected = expected
        self.convert = convert
    }
}

extension FieldType where Value == String {
    /// A JSON string without NUL characters (Postgres `text` cannot hold them).
    public static var string: FieldType<String> { string(allowNUL: false) }

    /// A JSON string; `allowNUL: true` keeps `\u0000` (never store it in Postgres).
    public static func string(allowNUL: Bool) -> FieldType<String> {
        FieldType(expected: "a string") { value, path in
            guard case .string(let text) = value else { throw FieldReader.mismatch(path, "a string", value) }
            if !allowNUL, text.utf8.contains(0) { throw FieldReader.nulError(path) }
            return text
        }
    }
}

extension FieldType where Value == Int {
    /// A JSON number with no fractional part, within `Int`'s range.
    public static var int: FieldType<Int> {
        FieldType(expected: "an integer") { value, path in
            switch value {
            case .int(let number): return number
            case .double(let number):
                if let exact = Int(exactly: number) { return exact }
                throw FieldReader.invalid(path, "expected an integer, got \(number)")
            default: throw FieldReader.mismatch(path, "an integer", value)
            }
        }
    }
}

extension FieldType where Value == Double {
    /// Any JSON number.
    public static var double: FieldType<Double> {
        FieldType(expected: "a number") { value, path in
            guard let number = value.doubleValue else { throw FieldReader.mismatch(path, "a number", value) }
            return number
        }
    }
}

extension FieldType where Value == Bool {
    /// `true` or `false` (no strings, no numbers).
    public static var bool: FieldType<Bool> {
        FieldType(expected: "a boolean") { value, path in
            guard case .bool(let flag) = value else { throw FieldReader.mismatch(path, "a boolean", value) }
            return flag
        }
    }
}

extension FieldType where Value == [String] {
    /// An array of strings (each without NUL); errors name the element (`tools[2]`).
    public static var stringArray: FieldType<[String]> {
        FieldType(expected: "an array of strings") { value, path in
            guard case .array(let elements) = value else {
                throw FieldReader.mismatch(path, "an array of strings", value)
            }
            return try elements.enumerated().map { index, element in
                try FieldType<String>.string.convert(element, "\(path)[\(index)]")
            }
        }
    }
}

extension FieldType where Value == JSONValue {
    /// Any JSON value (not null: use `optional` or `field` to allow null), with no
    /// NUL character in any string or key (Postgres `jsonb` cannot hold `\u0000`).
    public static var json: FieldType<JSONValue> { json(allowNUL: false) }

    public static func json(allowNUL: Bool) -> FieldType<JSONValue> {
        FieldType(expected: "a JSON value") { value, path in
            if !allowNUL, FieldReader.containsNUL(value) { throw FieldReader.nulError(path) }
            return value
        }
    }

    /// A JSON object (kept as a `JSONValue`), with no NUL anywhere.
    public static var jsonObject: FieldType<JSONValue> {
        FieldType(expected: "an object") { value, path in
            guard case .object = value else { throw FieldReader.mismatch(path, "an object", value) }
            if FieldReader.containsNUL(value) { throw FieldReader.nulError(path) }
            return value
        }
    }
}

extension FieldType where Value == FieldReader {
    /// A nested object, read field by field; its errors name `outer.inner`.
    public static var object: FieldType<FieldReader> {
        FieldType(expected: "an object") { value, path in
            guard case .object(let members) = value else { throw FieldReader.mismatch(path, "an object", value) }
            return FieldReader(members, path: path + ".")
        }
    }
}

extension FieldType where Value: RawRepresentable & CaseIterable & Sendable, Value.RawValue == String {
    /// One of an enumeration's raw values (`role: expected one of "admin", "user"`).
    public static func oneOf(_ type: Value.Type = Value.self) -> FieldType<Value> {
        let names = Value.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        return FieldType(expected: "one of \(names)") { value, path in
            guard case .string(let text) = value, let member = Value(rawValue: text) else {
                throw FieldReader.invalid(path, "expected one of \(names)")
            }
            return member
        }
    }
}

/// Typed access to the members of a JSON object body, with precise 422 errors
/// that name the field. Reads are remembered so that `rejectUnknown()` can
/// refuse any key no one asked for.
///
///     var body = try await JSONBody.read(request, context: context)
///     let name = try body.required("name", .string)
///     let description = try body.field("description", .string)   // absent / null / value
///     let tags = try body.optional("tags", .stringArray) ?? []
///     try body.rejectUnknown()
public struct FieldReader: Sendable {
    /// The object's members.
    public let members: [String: JSONValue]
    /// Prefix of every field name in messages (`"destination."` for a nested object).
    public let path: String
    private var consulted: Set<String> = []

    public init(_ members: [String: JSONValue] = [:], path: String = "") {
        self.members = members
        self.path = path
    }

    public var isEmpty: Bool { members.isEmpty }

    /// True when the key is present (even as null). Does not count as a read.
    public func contains(_ key: String) -> Bool { members[key] != nil }

    /// The value of a key that must be present and not null.
    public mutating func required<Value>(_ key: String, _ type: FieldType<Value>) throws -> Value {
        consulted.insert(key)
        switch members[key] {
        case nil: throw APIError.unprocessable("\(path)\(key): required", code: "missing_field")
        case .null?: throw Self.invalid(path + key, "expected \(type.expected), got null")
        case let value?: return try type.convert(value, path + key)
        }
    }

    /// The value of a key that may be absent or null (both give nil).
    public mutating func optional<Value>(_ key: String, _ type: FieldType<Value>) throws -> Value? {
        try field(key, type).value
    }

    /// Absent, null or a value: for partial updates, where null clears a field.
    public mutating func field<Value>(_ key: String, _ type: FieldType<Value>) throws -> Field<Value> {
        consulted.insert(key)
        switch members[key] {
        case nil: return .absent
        case .null?: return .null
        case let value?: return .value(try type.convert(value, path + key))
        }
    }

    /// 422 `unknown field "foo"` for the first (alphabetically) key that was
    /// neither read nor listed in `allowing`.
    public func rejectUnknown(allowing extra: Set<String> = []) throws {
        let unknown = members.keys.filter { !consulted.contains($0) && !extra.contains($0) }
        if let first = unknown.min() {
            throw APIError.unprocessable("unknown field \(JSONText.quote(path + first))", code: "unknown_field")
        }
    }

    // MARK: Errors

    /// 422 `invalid_field` with `path: message`.
    public static func invalid(_ path: String, _ message: String) -> APIError {
        APIError.unprocessable("\(path): \(message)", code: "invalid_field")
    }

    static func mismatch(_ path: String, _ expected: String, _ value: JSONValue) -> APIError {
        invalid(path, "expected \(expected), got \(describe(value))")
    }

    static func nulError(_ path: String) -> APIError {
        invalid(path, "must not contain NUL (\\u0000) characters")
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    static func containsNUL(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): text.utf8.contains(0)
        case .array(let elements): elements.contains(where: containsNUL)
        case .object(let members): members.contains { $0.key.utf8.contains(0) || containsNUL($0.value) }
        case .null, .bool, .int, .double: false
        }
    }
}

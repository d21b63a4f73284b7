import Domain

/// A tool call's arguments with typed reads; a wrong or missing argument is a
/// ``ToolFailure`` whose message names it.
struct ToolArguments: Sendable {
    let values: [String: JSONValue]

    init(_ values: [String: JSONValue]) {
        self.values = values
    }

    func string(_ key: String, hint: String = "") throws(ToolFailure) -> String {
        guard let value = try optionalString(key) else {
            throw ToolFailure("\(key): required\(hint.isEmpty ? "" : " (\(hint))")")
        }
        return value
    }

    /// A non-empty string, or nil when absent or `null`.
    func optionalString(_ key: String) throws(ToolFailure) -> String? {
        switch values[key] {
        case nil, .null?: return nil
        case .string(let text)?:
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw ToolFailure("\(key): must not be empty") }
            return text
        case let other?: throw ToolFailure("\(key): expected a string, got \(JSONTextShort.describe(other))")
        }
    }

    func bool(_ key: String) throws(ToolFailure) -> Bool {
        switch values[key] {
        case .bool(let value)?: return value
        case nil, .null?: throw ToolFailure("\(key): required (true or false)")
        case let other?: throw ToolFailure("\(key): expected true or false, got \(JSONTextShort.describe(other))")
        }
    }

    func optionalInt(_ key: String, in range: ClosedRange<Int>) throws(ToolFailure) -> Int? {
        switch values[key] {
        case nil, .null?: return nil
        case let value?:
            guard let int = value.intValue else { throw ToolFailure("\(key): expected an integer, got \(JSONTextShort.describe(value))") }
            guard range.contains(int) else { throw ToolFailure("\(key): must be between \(range.lowerBound) and \(range.upperBound), got \(int)") }
            return int
        }
    }

    func optionalObject(_ key: String) throws(ToolFailure) -> JSONValue? {
        switch values[key] {
        case nil, .null?: return nil
        case .object(let members)?: return .object(members)
        case let other?: throw ToolFailure("\(key): expected an object, got \(JSONTextShort.describe(other))")
        }
    }

    /// Argument names not in `allowed` (a typo the agent should hear about).
    func rejectUnknown(allowed: Set<String>) throws(ToolFailure) {
        let unknown = values.keys.filter { !allowed.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw ToolFailure("unknown argument\(unknown.count > 1 ? "s" : "") \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")); allowed: \(allowed.sorted().joined(separator: ", "))")
        }
    }
}

/// A tool call that did not succeed: becomes an `isError` result with this message.
struct ToolFailure: Error, Sendable, Equatable {
    var message: String

    init(_ message: String) {
        self.message = message
    }
}

/// Short descriptions of JSON values for error messages.
enum JSONTextShort {
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let bool): "\(bool)"
        case .int(let int): "\(int)"
        case .double(let double): "\(double)"
        case .string(let string): "\"\(string.prefix(60))\""
        case .array: "an array"
        case .object: "an object"
        }
    }
}

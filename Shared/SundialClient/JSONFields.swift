import Domain

/// Typed reads of one JSON object from the API; a missing or mistyped required field is an
/// ``SundialClientError/Kind/invalidResponse`` that names the field.
public struct JSONFields: Sendable {
    public let members: [String: JSONValue]
    let what: String

    public init(_ value: JSONValue, what: String) throws(SundialClientError) {
        guard case .object(let members) = value else {
            throw .invalidResponse("expected a JSON object for \(what), got \(JSONText.compact(value))")
        }
        self.members = members
        self.what = what
    }

    public func string(_ key: String) throws(SundialClientError) -> String {
        guard let value = members[key]?.stringValue else { throw missing(key, "a string") }
        return value
    }

    public func optionalString(_ key: String) -> String? {
        members[key]?.stringValue
    }

    public func bool(_ key: String) throws(SundialClientError) -> Bool {
        guard case .bool(let value)? = members[key] else { throw missing(key, "a boolean") }
        return value
    }

    public func int(_ key: String) throws(SundialClientError) -> Int {
        guard let value = members[key]?.intValue else { throw missing(key, "an integer") }
        return value
    }

    public func optionalInt(_ key: String) -> Int? {
        members[key]?.intValue
    }

    public func optionalDouble(_ key: String) -> Double? {
        members[key]?.doubleValue
    }

    /// The member as is; nil when absent or `null`.
    public func value(_ key: String) -> JSONValue? {
        guard let value = members[key], value != .null else { return nil }
        return value
    }

    private func missing(_ key: String, _ type: String) -> SundialClientError {
        .invalidResponse("\(what): expected \(type) in \"\(key)\", got \(members[key].map(JSONText.compact) ?? "nothing")")
    }
}

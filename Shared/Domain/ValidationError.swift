/// Input that cannot be accepted, naming the field. The API answers `400` for a value that is
/// well-formed but not allowed (a bad cron expression, a range) and `422` for a body that is
/// malformed or misses a required field, with `{"detail": "<field>: <message>", "code"}`.
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Well-formed but not allowed (400).
        case invalidValue
        /// Missing, wrong type, unknown field (422).
        case malformed
    }

    public var field: String
    public var message: String
    public var kind: Kind
    /// Machine code for the API body (`invalid_cron`, `invalid_timezone`, `invalid_value`, `invalid_body`).
    public var code: String

    public init(field: String, message: String, kind: Kind = .invalidValue, code: String? = nil) {
        self.field = field
        self.message = message
        self.kind = kind
        self.code = code ?? (kind == .invalidValue ? "invalid_value" : "invalid_body")
    }

    /// `field: message`, e.g. `cron_expression: day-of-week: unknown name "MONDAY"`.
    public var description: String { "\(field): \(message)" }
}

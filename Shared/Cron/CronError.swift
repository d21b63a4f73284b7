/// Why a cron expression or time zone was rejected.
///
/// `message` is the full human text and always starts with the field name,
/// e.g. `day-of-week: unknown name "MONDAY"` or
/// `day-of-month/month: can never fire (30 February)`. The API layer maps
/// `code` to HTTP 400 and `{"detail": message, "code": code}`.
public struct CronError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The machine-readable kind of error.
    public enum Code: String, Sendable, Hashable {
        case invalidCron = "invalid_cron"
        case invalidTimeZone = "invalid_timezone"
    }

    /// `minute`, `hour`, `day-of-month`, `month`, `day-of-week`,
    /// `day-of-month/month`, `expression` or `timezone`.
    public var field: String?
    /// The offending piece of input, when there is one.
    public var token: String?
    /// Full human message, prefixed with the field name.
    public var message: String
    public var kind: Code

    /// `invalid_cron` or `invalid_timezone`.
    public var code: String { kind.rawValue }

    public var description: String { message }

    public init(field: String?, token: String?, message: String, kind: Code = .invalidCron) {
        self.field = field
        self.token = token
        self.message = message
        self.kind = kind
    }

    /// An `invalid_cron` error whose message is `"<field>: <detail>"`.
    static func cron(_ field: String, token: String?, _ detail: String) -> CronError {
        CronError(field: field, token: token, message: "\(field): \(detail)")
    }
}

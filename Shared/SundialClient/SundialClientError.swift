/// Why a call to the Sundial API did not succeed: the API's own answer (status, `detail`,
/// `code`, shown verbatim) or why there was no answer at all.
public struct SundialClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// No credentials configured (the CLI has no login, the MCP server no key).
        case notLoggedIn
        /// 401: no, bad or expired token or key.
        case unauthorized
        /// 403: authenticated, but not allowed.
        case forbidden
        /// 404: the agent, schedule or execution does not exist or is not visible.
        case notFound
        /// 400, 413, 415, 422: the API refused a value; `detail` names the field.
        case invalidInput
        /// 409: a conflict (name taken, execution already running).
        case conflict
        /// 429, 503, connection refused, timeout: try again later.
        case unavailable
        /// Any other status (5xx).
        case server
        /// The answer was not what the API documents (not JSON, a field missing).
        case invalidResponse
    }

    public var kind: Kind
    /// The HTTP status, when there was a response.
    public var status: Int?
    /// The API's `detail` as sent, or what went wrong on the way.
    public var detail: String
    /// The API's machine-readable `code`, when it sent one.
    public var code: String?

    public init(kind: Kind, status: Int? = nil, detail: String, code: String? = nil) {
        self.kind = kind
        self.status = status
        self.detail = detail
        self.code = code
    }

    /// `HTTP 404: Schedule not found`, or the detail alone when there was no response.
    public var description: String {
        if let status { return "HTTP \(status): \(detail)" }
        return detail
    }

    /// The kind an HTTP status maps to (only called for non-2xx statuses).
    public static func kind(forStatus status: Int) -> Kind {
        switch status {
        case 401: .unauthorized
        case 403: .forbidden
        case 404: .notFound
        case 400, 413, 415, 422: .invalidInput
        case 409: .conflict
        case 429, 502, 503, 504: .unavailable
        default: .server
        }
    }

    static func invalidResponse(_ detail: String) -> SundialClientError {
        SundialClientError(kind: .invalidResponse, detail: detail)
    }
}

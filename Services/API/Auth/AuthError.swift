import APISupport
import Hummingbird

/// Errors of the authentication module. `AuthError.apiError` is the one place they
/// become HTTP statuses and `{"detail","code"}` bodies; a thrown `AuthError` renders
/// through it, so routes may let them propagate.
public struct AuthError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// Unknown user or wrong password at login.
        case invalidCredentials
        /// Authenticated, but not allowed to do this.
        case forbidden
        /// The resource does not exist or is not the caller's (no existence leak).
        case notFound
        /// The username is taken.
        case usernameTaken
        /// A field has a value the rules refuse (the message names the field).
        case invalidField
        /// Too much hashing work is already queued.
        case busy
        /// A dependency (the hashing threads) is shut down.
        case unavailable
        /// The configuration cannot work (JWT secret too short, bad cost parameters).
        case invalidConfiguration
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "AuthError.\(code.rawValue): \(message)" }

    /// The HTTP error the API answers with.
    public var apiError: APIError {
        switch code {
        case .invalidCredentials:
            APIError(.unauthorized, message, code: "invalid_credentials", headers: [.wwwAuthenticate: "Bearer"])
        case .forbidden: .forbidden(message)
        case .notFound: .notFound(message)
        case .usernameTaken: .conflict(message, code: "username_taken")
        case .invalidField: .unprocessable(message, code: "invalid_field")
        case .busy: APIError(.serviceUnavailable, message, code: "busy", headers: [.retryAfter: "1"])
        case .unavailable:
            APIError(.serviceUnavailable, message, code: "service_unavailable", headers: [.retryAfter: "5"])
        case .invalidConfiguration: APIError(.internalServerError, "Internal server error", code: "internal_error")
        }
    }
}

extension AuthError: HTTPResponseError {
    public var status: HTTPResponse.Status { apiError.status }
    public var headers: HTTPFields { apiError.headers }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try apiError.response(from: request, context: context)
    }
}

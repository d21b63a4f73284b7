/// A request that got no HTTP response. A response with any status, 5xx
/// included, is not an error at this level.
public struct HTTPClientError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The whole-transfer timeout (`HTTPRequest.timeout`) ran out.
        case timeout
        /// No connection within `HTTPRequest.connectTimeout`.
        case connectTimeout
        /// The peer refused the connection (nothing listening).
        case connectionRefused
        /// Connecting failed for another reason (no route, network down).
        case couldNotConnect
        case couldNotResolveHost
        /// The response body exceeded the client's `maxResponseBodyBytes`.
        case bodyTooLarge
        /// The client was shut down before the request finished.
        case shutdown
        /// Anything else libcurl reported (empty reply, reset, TLS, bad URL).
        case transport
    }

    public var code: Code
    /// Human-readable, with libcurl's own error text where there is one.
    public var message: String
    /// libcurl's `CURLcode`, when the error came from libcurl.
    public var curlCode: Int?

    public init(code: Code, message: String, curlCode: Int? = nil) {
        self.code = code
        self.message = message
        self.curlCode = curlCode
    }

    public var description: String {
        "\(code.rawValue): \(message)"
    }
}

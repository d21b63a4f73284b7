/// The one error type of the `Redis` module.
///
/// `code` says what kind of failure it was; `message` carries the detail,
/// including hiredis' `errstr` or the server's error line where there is one.
public struct RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The configuration URL could not be parsed or has an unsupported part.
        case invalidURL
        /// A caller passed an argument the module rejects (for example a TTL ≤ 0).
        case invalidArgument
        /// Connecting, `AUTH` or `SELECT` failed.
        case connectionFailed
        /// An established connection broke (EOF, reset, I/O error, read/write timeout).
        /// The client drops the connection; the next call reconnects.
        case connectionLost
        /// No connection is available right now: the last reconnect failed and
        /// the client is waiting out its backoff. Retry later.
        case unavailable
        /// The server answered with an error reply (`-ERR …`, `-WRONGTYPE …`, `-NOSCRIPT …`).
        case server
        /// The server's reply had a type or shape the caller did not expect.
        case unexpectedReply
        /// The client or subscriber has been shut down.
        case shutdown
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "redis \(code.rawValue): \(message)" }

    /// For `.server` errors: the first word of the error line (`ERR`, `WRONGTYPE`, `NOSCRIPT`, …).
    public var serverErrorPrefix: String? {
        guard code == .server else { return nil }
        return message.split(separator: " ", maxSplits: 1).first.map(String.init)
    }

    /// Whether the connection this happened on must be thrown away.
    var breaksConnection: Bool {
        switch code {
        case .connectionFailed, .connectionLost: true
        default: false
        }
    }
}

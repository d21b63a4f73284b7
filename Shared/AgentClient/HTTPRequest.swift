/// One HTTP request for ``CurlHTTPClient``.
///
/// A plain value: it crosses to the client's event-loop thread, which turns it
/// into a libcurl easy handle there.
public struct HTTPRequest: Sendable {
    /// `GET`, `POST`, `PUT`, `DELETE`, `HEAD`, ... (sent as given).
    public var method: String
    /// Absolute `http://` or `https://` URL.
    public var url: String
    /// Sent in order; a name may repeat.
    public var headers: [(String, String)]
    /// The request body, or `nil` for none.
    public var body: [UInt8]?
    /// Whole-transfer limit, from start to the last body byte (`CURLOPT_TIMEOUT_MS`).
    public var timeout: Duration
    /// Limit for establishing the connection (`CURLOPT_CONNECTTIMEOUT_MS`).
    public var connectTimeout: Duration

    public init(
        method: String = "GET",
        url: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil,
        timeout: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(10)
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }
}

/// A complete HTTP response. Any status is a response, not an error: the
/// caller decides what a 429 or a 503 means.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Headers of the final response, in the order received.
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// From the start of the transfer to its end, as libcurl measured it.
    public var totalTime: Duration

    public init(status: Int, headers: [(String, String)], body: [UInt8], totalTime: Duration) {
        self.status = status
        self.headers = headers
        self.body = body
        self.totalTime = totalTime
    }

    /// The first value of header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.0.lowercased() == wanted }?.1
    }

    /// The body decoded as UTF-8 (invalid sequences replaced).
    public var bodyText: String {
        String(decoding: body, as: UTF8.self)
    }
}

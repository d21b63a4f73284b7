import AgentClient
import Domain
import Foundation

/// A typed client of Sundial's public REST API (API.md, `/openapi.json`), over libcurl.
///
/// Every call goes through the API with the caller's credentials, so every rule of the API
/// (visibility, agent-scoped keys, validation) applies. Non-2xx answers become
/// ``SundialClientError`` with the API's `detail` verbatim; no response at all (refused,
/// timeout) is ``SundialClientError/Kind/unavailable``.
public struct SundialAPIClient: Sendable {
    /// `http(s)://host[:port][/prefix]`, without a trailing slash.
    public let baseURL: String
    /// A JWT from `POST /token` or an API key; sent as `Authorization: Bearer …`.
    public var credential: String?
    /// Limit for one request.
    public var timeout: Duration
    let http: CurlHTTPClient

    /// - Throws: ``SundialClientError/Kind/invalidInput`` when `baseURL` is not an http(s) URL.
    public init(baseURL: String, credential: String? = nil, http: CurlHTTPClient, timeout: Duration = .seconds(30)) throws(SundialClientError) {
        self.baseURL = try Self.normalizedBaseURL(baseURL)
        self.credential = credential
        self.http = http
        self.timeout = timeout
    }

    /// A libcurl client sized for API answers (lists of executions can be large).
    public static func makeHTTPClient() -> CurlHTTPClient {
        CurlHTTPClient(configuration: .init(maxResponseBodyBytes: 32 << 20, userAgent: "sundial-client", threadName: "sundial-api-client"))
    }

    /// The URL with blanks and trailing slashes removed, or an error naming what is wrong.
    public static func normalizedBaseURL(_ text: String) throws(SundialClientError) -> String {
        var url = text.trimmingCharacters(in: .whitespacesAndNewlines)
        while url.hasSuffix("/") { url.removeLast() }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              ["http", "https"].contains(scheme), components.host?.isEmpty == false, components.query == nil
        else {
            throw SundialClientError(kind: .invalidInput, detail: "API URL: expected http(s)://host[:port], got \"\(text)\"")
        }
        return url
    }

    // MARK: Requests

    /// A request body.
    enum Body {
        case json(JSONValue)
        case form([(String, String)])
    }

    /// Sends one request and returns the parsed JSON of a 2xx answer (`.null` for 204).
    func call(
        _ method: String, _ path: String, query: [(String, String?)] = [], body: Body? = nil, authenticated: Bool = true
    ) async throws -> JSONValue {
        let response = try await send(method, path, query: query, body: body, authenticated: authenticated)
        guard !response.body.isEmpty else { return .null }
        return try JSONText.parse(response.body)
    }

    /// Sends one request; a non-2xx answer throws with the API's `detail` and `code`.
    func send(
        _ method: String, _ path: String, query: [(String, String?)] = [], body: Body? = nil, authenticated: Bool = true
    ) async throws -> HTTPResponse {
        var headers: [(String, String)] = [("Accept", "application/json")]
        if authenticated {
            guard let credential else {
                throw SundialClientError(kind: .notLoggedIn, detail: "no credentials: log in or give an API key")
            }
            headers.append(("Authorization", "Bearer \(credential)"))
        }
        var bytes: [UInt8]?
        switch body {
        case .json(let value)?:
            headers.append(("Content-Type", "application/json"))
            bytes = JSONText.bytes(value)
        case .form(let fields)?:
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            bytes = Array(fields.map { "\(URLText.queryValue($0.0))=\(URLText.queryValue($0.1))" }.joined(separator: "&").utf8)
        case nil:
            bytes = nil
        }
        let url = baseURL + path + URLText.query(query)
        let response: HTTPResponse
        do {
            response = try await http.execute(HTTPRequest(method: method, url: url, headers: headers, body: bytes, timeout: timeout, connectTimeout: .seconds(5)))
        } catch let error as HTTPClientError {
            throw SundialClientError(kind: .unavailable, detail: "cannot reach the Sundial API at \(baseURL): \(error.message)")
        }
        guard (200..<300).contains(response.status) else { throw Self.error(from: response) }
        return response
    }

    /// The error for a non-2xx answer: `{"detail","code"}` when the API sent one, else the body text.
    static func error(from response: HTTPResponse) -> SundialClientError {
        let kind = SundialClientError.kind(forStatus: response.status)
        if let value = try? JSONText.parse(response.body), let detail = Self.detailText(value["detail"]) {
            return SundialClientError(kind: kind, status: response.status, detail: detail, code: value["code"]?.stringValue)
        }
        let text = response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
        return SundialClientError(kind: kind, status: response.status, detail: text.isEmpty ? "no details" : String(text.prefix(500)))
    }

    /// `detail` is a string in Sundial's errors; other shapes (FastAPI-style lists) are shown as JSON.
    private static func detailText(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)?: text
        case nil, .null?: nil
        case let other?: JSONText.compact(other)
        }
    }
}

/// Percent-encoding for paths and queries.
enum URLText {
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// One path segment (an agent name, an id): everything but unreserved characters escaped.
    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    static func queryValue(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// `?a=1&b=2` from the pairs whose value is not nil; empty when none.
    static func query(_ pairs: [(String, String?)]) -> String {
        let items = pairs.compactMap { key, value in value.map { "\(queryValue(key))=\(queryValue($0))" } }
        return items.isEmpty ? "" : "?" + items.joined(separator: "&")
    }
}

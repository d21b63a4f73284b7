internal import Foundation
import Logging

/// The result of one agent call that got as far as an answer to classify.
public enum AgentTaskOutcome: Sendable {
    /// A 2xx with a valid agent-protocol body.
    case completed(AgentTaskResult, httpStatus: Int)
    /// Busy, timed out, unreachable, HTTP error or unreadable answer.
    case failed(AgentCallError)

    /// The result, or the classified failure thrown.
    public func get() throws(AgentCallError) -> AgentTaskResult {
        switch self {
        case .completed(let result, _): return result
        case .failed(let error): throw error
        }
    }
}

/// Speaks Sundial's agent protocol (`POST /api/task`, `GET /health`) over a
/// shared ``CurlHTTPClient``.
public struct AgentClient: AgentTransport {
    public let http: CurlHTTPClient
    private let logger: Logger

    /// How much of an error body goes into ``AgentCallError/Kind/serverError(status:body:)``.
    public static let errorBodySnippetBytes = 500

    public init(http: CurlHTTPClient, logger: Logger = Logger(label: "sundial.agent-client")) {
        self.http = http
        self.logger = logger
    }

    /// Sends `request` to `POST {endpoint}/api/task` and classifies the answer.
    ///
    /// `timeout` bounds the whole HTTP call; give it some slack over
    /// `request.timeoutSeconds`, the agent's own budget.
    ///
    /// - Returns: `.completed` for a 2xx with a valid body, `.failed` with a
    ///   classified ``AgentCallError`` for everything else the agent or the
    ///   network did.
    /// - Throws: `CancellationError` when the calling task is cancelled (the
    ///   HTTP request is aborted), or `EncodingError` if `request.context`
    ///   holds a value JSON cannot carry (a NaN).
    public func runTask(endpoint: String, request: AgentTaskRequest, timeout: Duration) async throws -> AgentTaskOutcome {
        let url = Self.url(endpoint, path: "/api/task")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(request)
        var logger = logger
        logger[metadataKey: "execution_id"] = "\(request.executionID)"
        logger[metadataKey: "agent_url"] = "\(url)"

        let httpRequest = HTTPRequest(
            method: "POST",
            url: url,
            headers: [("Content-Type", "application/json"), ("Accept", "application/json")],
            body: [UInt8](body),
            timeout: timeout
        )
        let response: HTTPResponse
        do {
            response = try await http.execute(httpRequest)
        } catch let error as HTTPClientError {
            let failure = Self.classify(error, url: url, timeout: timeout)
            logger.debug("agent call failed", metadata: ["error": "\(failure.message)", "code": "\(failure.code)"])
            return .failed(failure)
        }
        let outcome = Self.classify(response, url: url)
        switch outcome {
        case .completed(_, let status):
            logger.debug("agent call completed", metadata: ["status": "\(status)", "duration": "\(response.totalTime)"])
        case .failed(let failure):
            logger.debug("agent call failed", metadata: ["error": "\(failure.message)", "code": "\(failure.code)"])
        }
        return outcome
    }

    /// Whether `GET {endpoint}/health` answers 2xx within `timeout`.
    /// Every failure, cancellation included, reads as not healthy.
    public func health(endpoint: String, timeout: Duration) async -> Bool {
        let request = HTTPRequest(method: "GET", url: Self.url(endpoint, path: "/health"), timeout: timeout, connectTimeout: timeout)
        guard let response = try? await http.execute(request) else { return false }
        return (200..<300).contains(response.status)
    }

    // MARK: Classification

    static func url(_ endpoint: String, path: String) -> String {
        var base = Substring(endpoint)
        while base.hasSuffix("/") {
            base = base.dropLast()
        }
        return base + path
    }

    static func classify(_ error: HTTPClientError, url: String, timeout: Duration) -> AgentCallError {
        switch error.code {
        case .timeout:
            return AgentCallError(kind: .timeout, message: "agent timed out after \(format(timeout))")
        case .connectTimeout:
            return AgentCallError(kind: .unreachable, message: "agent unreachable: connect timed out to \(url)")
        case .connectionRefused:
            return AgentCallError(kind: .unreachable, message: "agent unreachable: connection refused to \(url)")
        case .couldNotResolveHost:
            return AgentCallError(kind: .unreachable, message: "agent unreachable: could not resolve host of \(url)")
        case .couldNotConnect:
            return AgentCallError(kind: .unreachable, message: "agent unreachable: \(error.message)")
        case .bodyTooLarge:
            return AgentCallError(kind: .badResponse("body too large"), message: "agent response too large: \(error.message)")
        case .shutdown:
            return AgentCallError(kind: .cancelled, message: "agent call cancelled: the HTTP client was shut down")
        case .transport:
            return AgentCallError(kind: .transport, message: "agent request failed: \(error.message)")
        }
    }

    static func classify(_ response: HTTPResponse, url: String) -> AgentTaskOutcome {
        switch response.status {
        case 200..<300:
            break
        case 429:
            let retryAfter = response.header("Retry-After").flatMap(parseRetryAfter)
            let hint = retryAfter.map { ", retry after \(format($0))" } ?? ""
            return .failed(AgentCallError(kind: .busy(retryAfter: retryAfter), message: "agent busy (429)\(hint)"))
        default:
            let snippet = bodySnippet(response.body)
            let suffix = snippet.isEmpty ? "" : ": \(snippet)"
            return .failed(AgentCallError(
                kind: .serverError(status: response.status, body: snippet),
                message: "agent returned HTTP \(response.status)\(suffix)"
            ))
        }
        do {
            let result = try JSONDecoder().decode(AgentTaskResult.self, from: Data(response.body))
            return .completed(result, httpStatus: response.status)
        } catch let error as DecodingError {
            let reason = describe(error)
            return .failed(AgentCallError(kind: .badResponse(reason), message: "agent returned an invalid response: \(reason)"))
        } catch {
            let reason = "\(error)"
            return .failed(AgentCallError(kind: .badResponse(reason), message: "agent returned an invalid response: \(reason)"))
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _):
            return "missing field '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return field.isEmpty ? "not a JSON object" : "field '\(field)' has the wrong type"
        case .dataCorrupted:
            return "not valid JSON"
        @unknown default:
            return "undecodable body"
        }
    }

    /// Delta-seconds only; an HTTP-date `Retry-After` is ignored.
    static func parseRetryAfter(_ value: String) -> Duration? {
        guard let seconds = Int(value.trimmingHTTPWhitespace()), seconds >= 0 else { return nil }
        return .seconds(seconds)
    }

    /// The start of an error body on one line, cut on a character boundary.
    static func bodySnippet(_ body: [UInt8]) -> String {
        let text = String(decoding: body, as: UTF8.self)
        let (cut, truncated) = ResponseTruncation.truncate(text, maxBytes: errorBodySnippetBytes)
        let oneLine = cut.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingHTTPWhitespace()
        return truncated ? oneLine + "…" : oneLine
    }

    /// "900s", "1.5s" or "300ms".
    static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 {
            return "\(seconds)s"
        }
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        if milliseconds < 1000 {
            return "\(milliseconds)ms"
        }
        if milliseconds % 100 == 0 {
            return "\(milliseconds / 1000).\(milliseconds % 1000 / 100)s"
        }
        return "\(milliseconds)ms"
    }
}

import APIAuth
import APISupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceRuntime
import SundialAPI
import SundialConfig
import Synchronization
import Testing

/// The test Postgres and Redis (`source .sundial/test-env`); the conformance suite is
/// disabled without them and fails (not skips) when they do not answer.
enum TestServers {
    static let databaseURL = ProcessInfo.processInfo.environment["SUNDIAL_TEST_DATABASE_URL"]
    static let redisURL = ProcessInfo.processInfo.environment["SUNDIAL_TEST_REDIS_URL"]
    static var available: Bool { databaseURL != nil && redisURL != nil }

    static let logger: Logger = {
        var logger = Logger(label: "sundial.openapi-test")
        logger.logLevel = .warning
        return logger
    }()
}

/// Which route the router picked for each request, keyed by a per-request header: the
/// router stores the matched template in the context (`endpointPath`: `/api/agents/{name}`,
/// `/api/**` for the catch-all, `NotFound` when nothing matched).
final class EndpointLog: Sendable {
    static let header = HTTPField.Name("X-Conformance-Call")!
    private let entries = Mutex<[String: String]>([:])

    func record(_ call: String, _ endpoint: String?) {
        entries.withLock { $0[call] = endpoint ?? "NotFound" }
    }

    func take(_ call: String) -> String? {
        entries.withLock { $0.removeValue(forKey: call) }
    }
}

/// The real router's responder, recording the matched route of each request.
struct RecordingResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == APIRequestContext {
    typealias Context = APIRequestContext
    let inner: Inner
    let log: EndpointLog

    func respond(to request: Request, context: Context) async throws -> Response {
        defer {
            if let call = request.headers[EndpointLog.header] {
                log.record(call, context.coreContext.endpointPath.value)
            }
        }
        return try await inner.respond(to: request, context: context)
    }
}

/// The API as `sundial-api` wires it, on the test servers, with its own admin.
struct ConformanceApp {
    static let adminUsername = "openapi-admin"
    static let adminPassword = "openapi-admin-password-1"

    let config: APIConfig
    let resources: ServiceResources
    let auth: AuthService

    static func make() async throws -> ConformanceApp {
        let config = try APIConfig(environment: Environment([
            "SUNDIAL_DATABASE_URL": TestServers.databaseURL ?? "",
            "SUNDIAL_REDIS_URL": TestServers.redisURL ?? "",
            "SUNDIAL_HTTP_PORT": "0",
            "SUNDIAL_DB_POOL_SIZE": "4",
            "SUNDIAL_STARTUP_TIMEOUT": "10",
            "SUNDIAL_AGENT_URL_TEMPLATE": "http://127.0.0.1:9/agents/{name}",
        ]))
        let resources = try await ServiceResources.open(common: config.common, applicationName: "sundial-openapi-test", logger: TestServers.logger)
        let auth = try makeAuthService(config: config, resources: resources, logger: TestServers.logger, passwordCost: .testing)
        try await auth.bootstrapAdmin(username: adminUsername, password: adminPassword)
        return ConformanceApp(config: config, resources: resources, auth: auth)
    }

    func run(_ body: @Sendable (any TestClientProtocol, EndpointLog) async throws -> Void) async throws {
        let log = EndpointLog()
        let router = buildAPIRouter(config: config, resources: resources, auth: auth)
        let app = Application(
            responder: RecordingResponder(inner: router.buildResponder(), log: log),
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "sundial-api"),
            logger: TestServers.logger)
        do {
            try await app.test(.router) { client in try await body(client, log) }
        } catch {
            await resources.close()
            throw error
        }
        await resources.close()
    }
}

/// What each operation answered during the run.
final class Coverage: Sendable {
    private let statuses = Mutex<[String: [Int]]>([:])

    func record(_ operationID: String, _ status: Int) {
        statuses.withLock { $0[operationID, default: []].append(status) }
    }

    var all: [String: [Int]] { statuses.withLock { $0 } }
}

/// One response, as the checker saw it.
struct Reply: Sendable {
    var status: Int
    var headers: HTTPFields
    var body: String
    var json: JSON?
    /// True when the operation is not implemented yet and nothing was sent.
    var skipped: Bool

    static let skippedReply = Reply(status: 0, headers: [:], body: "", json: nil, skipped: true)

    subscript(key: String) -> JSON? { json?[key] }
}

/// Sends requests for documented operations and checks each answer against the document:
/// the route the router picked is the documented one (not `NotFound`, not the `/api/**`
/// catch-all), the status is documented for the operation, the content type is a documented
/// one, required headers are present, and the body validates against the documented schema.
/// Successful requests with a JSON body must also validate against the request schema.
struct Conformance: Sendable {
    let document: OpenAPIDocument
    let client: any TestClientProtocol
    let endpoints: EndpointLog
    let coverage: Coverage

    enum Body: Sendable {
        case none
        /// JSON text, sent as `application/json` unless `contentType` overrides it.
        case json(String)
        /// Any bytes with an explicit content type (or none).
        case raw(String, contentType: String?)
    }

    @discardableResult
    func call(
        _ operationID: String, _ uri: String, token: String? = nil, body: Body = .none,
        headers extra: HTTPFields = [:], expect: HTTPResponse.Status? = nil, undocumentedQuery: Bool = false,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Reply {
        guard let operation = document.operation(operationID) else {
            Issue.record("no operation \(operationID) in openapi.json", sourceLocation: sourceLocation)
            return .skippedReply
        }
        guard operation.implemented else { return .skippedReply }

        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(parts[0])
        #expect(OpenAPIDocument.matches(template: operation.path, path: path),
                "\(uri) is not an instance of \(operation)", sourceLocation: sourceLocation)
        if parts.count == 2, !undocumentedQuery {
            let documentedQuery = Set(operation.parameters(in: "query"))
            for pair in parts[1].split(separator: "&") {
                let name = String(pair.split(separator: "=", maxSplits: 1).first ?? "")
                #expect(documentedQuery.contains(name), "query parameter \(name) is not documented for \(operation)", sourceLocation: sourceLocation)
            }
        }

        let callID = UUID().uuidString
        var headers = extra
        headers[EndpointLog.header] = callID
        if let token { headers[.authorization] = "Bearer \(token)" }
        var payload: ByteBuffer?
        switch body {
        case .none:
            break
        case .json(let text):
            if headers[.contentType] == nil { headers[.contentType] = "application/json" }
            payload = ByteBuffer(string: text)
        case .raw(let text, let contentType):
            if let contentType { headers[.contentType] = contentType }
            payload = ByteBuffer(string: text)
        }
        let method = HTTPRequest.Method(operation.method.uppercased())!
        let (status, responseHeaders, responseBody) = try await client.execute(uri: uri, method: method, headers: headers, body: payload) { response in
            (response.status, response.headers, String(buffer: response.body))
        }
        let where_ = "\(method) \(uri) → \(status.code)"

        // Routed to the documented route?
        let endpoint = endpoints.take(callID) ?? "NotFound"
        if endpoint == "NotFound" || RouteCoverageTests.isCatchAll(endpoint) {
            Issue.record("\(operation) is documented as implemented but the router did not route \(where_) (matched \(endpoint)): \(responseBody)", sourceLocation: sourceLocation)
        } else {
            #expect(OpenAPIDocument.normalized(endpoint) == OpenAPIDocument.normalized(operation.path),
                    "\(where_) was routed to \(endpoint), not to \(operation.path)", sourceLocation: sourceLocation)
        }

        var reply = Reply(status: Int(status.code), headers: responseHeaders, body: responseBody, json: nil, skipped: false)
        coverage.record(operation.id, reply.status)
        if let expect {
            #expect(status == expect, "\(where_), expected \(expect.code): \(responseBody)", sourceLocation: sourceLocation)
        }

        guard let documented = document.response(of: operation, status: reply.status) else {
            Issue.record("\(where_): status \(reply.status) is not documented for \(operation) (documented: \(operation.responses.keys.sorted())). Body: \(responseBody)", sourceLocation: sourceLocation)
            reply.json = try? JSON.parse(responseBody)
            return reply
        }

        // Headers the document requires.
        for (name, header) in documented["headers"]?.objectValue ?? [:] {
            let resolved = OpenAPIDocument.deref(header, in: document.json)
            if resolved["required"]?.boolValue == true, let field = HTTPField.Name(name) {
                #expect(responseHeaders[field] != nil, "\(where_): documented required header \(name) missing", sourceLocation: sourceLocation)
            }
        }

        // Body against the documented content.
        let content = documented["content"]?.objectValue ?? [:]
        if content.isEmpty || method == .head {
            #expect(responseBody.isEmpty, "\(where_): documented without a body but answered \(responseBody.prefix(200))", sourceLocation: sourceLocation)
        } else {
            let contentType = responseHeaders[.contentType].map { String($0.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces).lowercased() }
            guard let contentType, let media = content[contentType] else {
                Issue.record("\(where_): content type \(responseHeaders[.contentType] ?? "none") is not one of \(content.keys.sorted())", sourceLocation: sourceLocation)
                return reply
            }
            if contentType == "application/json" || contentType.hasSuffix("+json") {
                do {
                    let json = try JSON.parse(responseBody)
                    reply.json = json
                    if let schema = media["schema"] {
                        let failures = document.validator.validate(json, against: schema)
                        #expect(failures.isEmpty, "\(where_): body does not match \(operation) \(reply.status) schema:\n  \(failures.prefix(12).map(\.description).joined(separator: "\n  "))\nbody: \(responseBody.prefix(600))", sourceLocation: sourceLocation)
                    }
                } catch {
                    Issue.record("\(where_): body is not JSON: \(responseBody.prefix(300))", sourceLocation: sourceLocation)
                }
            } else if let schema = media["schema"] {
                #expect(document.validator.validate(.string(responseBody), against: schema).isEmpty, "\(where_): text body does not match its schema", sourceLocation: sourceLocation)
                // Server-Sent Events: each `data:` line is JSON of the documented event schema.
                if contentType == "text/event-stream", let eventSchema = schema["x-sundial-event-schema"] {
                    for line in responseBody.split(whereSeparator: \.isNewline) where line.hasPrefix("data:") {
                        let text = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
                        guard let event = try? JSON.parse(text) else {
                            Issue.record("\(where_): SSE data is not JSON: \(text.prefix(200))", sourceLocation: sourceLocation)
                            continue
                        }
                        let failures = document.validator.validate(event, against: eventSchema)
                        #expect(failures.isEmpty, "\(where_): SSE event does not match: \(failures.map(\.description))", sourceLocation: sourceLocation)
                    }
                }
            }
        }

        // What the server accepted must be what the document allows.
        if (200..<300).contains(reply.status), case .json(let text) = body, !text.isEmpty,
           let requestSchema = OpenAPIDocument.deref(operation.node["requestBody"] ?? .null, in: document.json)["content"]?["application/json"]?["schema"]
        {
            let failures = document.validator.validate(try JSON.parse(text), against: requestSchema)
            #expect(failures.isEmpty, "\(where_): the server accepted a request body the document forbids: \(failures.map(\.description)) — body \(text.prefix(300))", sourceLocation: sourceLocation)
        }
        return reply
    }
}

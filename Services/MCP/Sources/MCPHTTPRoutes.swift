import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MCP
import SundialClient

/// MCP streamable HTTP on `/mcp` (spec 2025-06-18), answering each JSON-RPC request with
/// one JSON response:
///
/// - `POST /mcp` without `Mcp-Session-Id` must be `initialize`: the bearer key is checked
///   against the API (`GET /api/users/me`; refused → 401), a session is opened and its id
///   returned in `Mcp-Session-Id`. Later POSTs carry that id and the same bearer key.
/// - `GET /mcp` → 405 (no server-initiated stream: the tools never push messages).
/// - `DELETE /mcp` ends the session.
///
/// Each session runs the SDK's `Server` on the SDK's `StatelessHTTPServerTransport` (JSON
/// responses); the sessions, the authentication and the origin check are done here.
struct MCPHTTPRoutes: Sendable {
    let api: SundialAPIClient
    let store: MCPSessionStore
    let allowedOrigins: Set<String>
    let logger: Logger

    static let sessionHeader = HTTPField.Name(MCP.HTTPHeaderName.sessionID)!
    static let maxBodyBytes = 4 << 20

    func add<Context: Hummingbird.RequestContext>(to router: Router<Context>) {
        router.post("mcp") { request, _ in try await post(request) }
        router.get("mcp") { _, _ in
            Self.error(405, "Method Not Allowed: this server answers POST requests with JSON and offers no event stream", extra: ["Allow": "POST, DELETE"])
        }
        router.delete("mcp") { request, _ in try await delete(request) }
    }

    private func post(_ request: Request) async throws -> Response {
        if let refusal = checkOrigin(request) { return refusal }
        guard let credential = Self.bearer(request) else {
            return Self.unauthorized("Unauthorized: send the Sundial API key as Authorization: Bearer <key>")
        }
        let body = try await request.body.collect(upTo: Self.maxBodyBytes)
        let mcpRequest = MCP.HTTPRequest(method: "POST", headers: Self.headers(request), body: Data(body.readableBytesView), path: "/mcp")
        if let sessionID = request.headers[Self.sessionHeader] {
            guard let session = await store.touch(sessionID) else {
                return Self.error(404, "Not Found: session \(sessionID) is unknown or expired; send initialize again")
            }
            guard session.credential == credential else {
                return Self.error(403, "Forbidden: this session was opened with a different API key")
            }
            return Self.response(await session.transport.handleRequest(mcpRequest), sessionID: sessionID)
        }
        guard Self.isInitialize(mcpRequest.body) else {
            return Self.error(400, "Bad Request: missing \(MCP.HTTPHeaderName.sessionID) header; open a session with initialize first")
        }
        return try await openSession(mcpRequest, credential: credential)
    }

    private func openSession(_ request: MCP.HTTPRequest, credential: String) async throws -> Response {
        var client = api
        client.credential = credential
        let user: UserInfo
        do {
            user = try await client.me()
        } catch let error as SundialClientError {
            switch error.kind {
            case .unauthorized, .notLoggedIn: return Self.unauthorized("Unauthorized: the Sundial API refused this key (\(error.detail))")
            case .unavailable: return Self.error(503, "Service Unavailable: \(error.detail)", extra: ["Retry-After": "5"])
            default: return Self.error(502, "Bad Gateway: the Sundial API answered \(error)")
            }
        }
        let transport = StatelessHTTPServerTransport(
            validationPipeline: StandardValidationPipeline(validators: [
                AcceptHeaderValidator(mode: .jsonOnly), ContentTypeValidator(), ProtocolVersionValidator(),
            ]),
            logger: logger)
        let identity = CallerIdentity(client: client, known: user)
        let server = await SundialMCPServer.make(toolbox: SundialToolbox(client: client, identity: identity, logger: logger))
        try await server.start(transport: transport)
        let response = await transport.handleRequest(request)
        if case .error = response {
            await server.stop()
            return Self.response(response, sessionID: nil)
        }
        let sessionID = UUID().uuidString.lowercased()
        await store.add(id: sessionID, server: server, transport: transport, credential: credential)
        logger.info("mcp client authenticated", metadata: ["session": "\(sessionID)", "user": "\(user.username)", "agent": "\(user.agentScope ?? "-")"])
        return Self.response(response, sessionID: sessionID)
    }

    private func delete(_ request: Request) async throws -> Response {
        guard let credential = Self.bearer(request) else { return Self.unauthorized("Unauthorized: send the Sundial API key as Authorization: Bearer <key>") }
        guard let sessionID = request.headers[Self.sessionHeader] else {
            return Self.error(400, "Bad Request: missing \(MCP.HTTPHeaderName.sessionID) header")
        }
        guard let session = await store.touch(sessionID) else { return Self.error(404, "Not Found: session \(sessionID) is unknown or expired") }
        guard session.credential == credential else { return Self.error(403, "Forbidden: this session was opened with a different API key") }
        await store.close(sessionID)
        return Response(status: .ok)
    }

    /// Browsers send `Origin`: only localhost origins and the configured ones may call (DNS
    /// rebinding protection); requests without `Origin` (agents, CLIs) pass.
    private func checkOrigin(_ request: Request) -> Response? {
        guard let origin = request.headers[.origin] else { return nil }
        if allowedOrigins.contains(origin) { return nil }
        if let host = URLComponents(string: origin)?.host, ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host) { return nil }
        return Self.error(403, "Forbidden: origin \(origin) is not allowed (SUNDIAL_MCP_ALLOWED_ORIGINS)")
    }

    // MARK: Conversions

    static func bearer(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    static func headers(_ request: Request) -> [String: String] {
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
        }
        return headers
    }

    static func isInitialize(_ body: Data?) -> Bool {
        guard let body, let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return false }
        return object["method"] as? String == "initialize" && object["id"] != nil
    }

    static func response(_ response: MCP.HTTPResponse, sessionID: String?) -> Response {
        var fields = HTTPFields()
        for (name, value) in response.headers {
            if let name = HTTPField.Name(name) { fields[name] = value }
        }
        if let sessionID { fields[sessionHeader] = sessionID }
        let status = HTTPTypes.HTTPResponse.Status(code: response.statusCode)
        switch response {
        case .stream(let stream, _):
            let body = ResponseBody(asyncSequence: stream.map { ByteBuffer(bytes: $0) })
            return Response(status: status, headers: fields, body: body)
        default:
            let body = response.bodyData.map { ResponseBody(byteBuffer: ByteBuffer(bytes: $0)) } ?? ResponseBody()
            return Response(status: status, headers: fields, body: body)
        }
    }

    static func error(_ status: Int, _ message: String, extra: [String: String] = [:]) -> Response {
        response(.error(statusCode: status, .invalidRequest(message), extraHeaders: extra), sessionID: nil)
    }

    static func unauthorized(_ message: String) -> Response {
        error(401, message, extra: ["WWW-Authenticate": "Bearer realm=\"sundial\""])
    }
}

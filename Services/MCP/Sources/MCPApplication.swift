import AgentClient
import Hummingbird
import Logging
import MCP
import ServiceLifecycle
import SundialClient
import SundialConfig

/// `sundial-mcp` over streamable HTTP: `/mcp` plus `/health`, sessions reaped when idle.
public func buildMCPHTTPApplication(config: MCPConfig, logger: Logger) throws -> some ApplicationProtocol {
    let http = SundialAPIClient.makeHTTPClient()
    let api = try SundialAPIClient(baseURL: config.apiURL, http: http)
    let store = MCPSessionStore(idleTimeout: .seconds(config.sessionTimeoutSeconds), logger: logger)
    let router = Router()
    router.get("health") { _, _ in ["status": "ok"] }
    MCPHTTPRoutes(api: api, store: store, allowedOrigins: Set(config.allowedOrigins), logger: logger).add(to: router)
    return Application(
        router: router,
        configuration: .init(address: .hostname(config.httpHost, port: config.httpPort), serverName: "sundial-mcp"),
        services: [MCPSessionReaper(store: store, interval: .seconds(min(60, config.sessionTimeoutSeconds / 2))), HTTPClientCloser(http: http)],
        onServerRunning: { channel in
            logger.notice(
                "sundial-mcp serving MCP over streamable HTTP",
                metadata: ["endpoint": "http://\(channel.localAddress?.ipAddress ?? config.httpHost):\(channel.localAddress?.port ?? config.httpPort)/mcp", "api": "\(config.apiURL)"])
        },
        logger: logger)
}

/// `sundial-mcp` over stdio: one client on standard input/output acting with
/// `SUNDIAL_API_KEY`. Returns when the client closes standard input.
///
/// A key the API refuses stops it at once (``SundialClientError/Kind/unauthorized``); an API
/// that is not up yet is not fatal (tool calls say so until it is).
public func runMCPStdio(config: MCPConfig, logger: Logger) async throws {
    let http = SundialAPIClient.makeHTTPClient()
    let api = try SundialAPIClient(baseURL: config.apiURL, credential: config.apiKey, http: http)
    var known: UserInfo?
    do {
        known = try await api.me()
        logger.info("sundial-mcp on stdio", metadata: ["api": "\(config.apiURL)", "user": "\(known?.username ?? "")", "agent": "\(known?.agentScope ?? "-")"])
    } catch let error as SundialClientError where error.kind == .unavailable {
        logger.warning("the Sundial API does not answer yet; tool calls will retry it", metadata: ["api": "\(config.apiURL)", "error": "\(error)"])
    } catch let error as SundialClientError where error.kind == .unauthorized {
        await http.shutdown()
        throw SundialClientError(kind: .unauthorized, status: error.status, detail: "SUNDIAL_API_KEY was refused by the API at \(config.apiURL): \(error.detail)")
    }
    let toolbox = SundialToolbox(client: api, identity: CallerIdentity(client: api, known: known), logger: logger)
    let server = await SundialMCPServer.make(toolbox: toolbox)
    try await server.start(transport: StdioTransport(logger: logger))
    await server.waitUntilCompleted()
    await server.stop()
    await http.shutdown()
}

/// Stops the API client's libcurl thread when the service group shuts down.
struct HTTPClientCloser: Service {
    let http: CurlHTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        await http.shutdown()
    }
}

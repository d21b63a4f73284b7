import Foundation
import Logging
import MCP
import ServiceLifecycle

/// The streamable-HTTP sessions: one MCP server and transport per `Mcp-Session-Id`, bound to
/// the API key that opened it. Idle sessions are closed after the configured timeout.
actor MCPSessionStore {
    struct Session {
        let server: Server
        let transport: StatelessHTTPServerTransport
        /// The bearer credential that opened the session; every later request must carry it.
        let credential: String
        var lastUsed: ContinuousClock.Instant
    }

    private var sessions: [String: Session] = [:]
    private let idleTimeout: Duration
    private let logger: Logger

    init(idleTimeout: Duration, logger: Logger) {
        self.idleTimeout = idleTimeout
        self.logger = logger
    }

    var count: Int { sessions.count }

    func add(id: String, server: Server, transport: StatelessHTTPServerTransport, credential: String) {
        sessions[id] = Session(server: server, transport: transport, credential: credential, lastUsed: .now)
        logger.info("mcp session opened", metadata: ["session": "\(id)", "sessions": "\(sessions.count)"])
    }

    /// The session's transport, marking it used; nil when unknown or expired.
    func touch(_ id: String) -> (transport: StatelessHTTPServerTransport, credential: String)? {
        guard var session = sessions[id] else { return nil }
        session.lastUsed = .now
        sessions[id] = session
        return (session.transport, session.credential)
    }

    func close(_ id: String) async {
        guard let session = sessions.removeValue(forKey: id) else { return }
        await session.server.stop()
        logger.info("mcp session closed", metadata: ["session": "\(id)", "sessions": "\(sessions.count)"])
    }

    func closeIdle() async {
        let deadline = ContinuousClock.now - idleTimeout
        for (id, session) in sessions where session.lastUsed < deadline {
            await close(id)
        }
    }

    func closeAll() async {
        for id in sessions.keys { await close(id) }
    }
}

/// Closes idle sessions every `interval`, and all of them at shutdown.
struct MCPSessionReaper: Service {
    let store: MCPSessionStore
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await store.closeIdle()
            }
        }
        await store.closeAll()
    }
}

import APIAuth
import APISupport
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import NIOCore
import Logging
import SundialConfig

/// `GET /ws/events`: the WebSocket upgrade (its own router, see `webSocketRouter`) and the plain
/// HTTP route that answers requests not upgraded: 401 without a valid token, 400 for a bad
/// query, 426 otherwise.
struct EventStreamRoutes: Sendable {
    let auth: AuthService
    let relay: EventRelay
    let settings: EventStreamConfig
    let logger: Logger

    static let path = "/ws/events"

    /// The HTTP side of `GET /ws/events` (part of `buildAPIRouter`, so it is listed with the REST routes).
    static func addHTTPRoute(to router: Router<APIRequestContext>, auth: AuthService) {
        router.get(RouterPath(path)) { request, _ -> Response in
            _ = try await EventStreamRequest.authorize(request, auth: auth)
            throw APIError(
                .upgradeRequired, "WebSocket upgrade required (Connection: Upgrade, Upgrade: websocket)",
                code: "upgrade_required", headers: [.upgrade: "websocket", .connection: "Upgrade"])
        }
    }

    /// The server's channel: HTTP/1 with the WebSocket upgrade of `/ws/events`. The upgrade is
    /// authenticated before it happens; a refused one is answered with the API error (401, 400,
    /// 503) by `UpgradeRefusal`, never upgraded.
    func serverBuilder() -> HTTPServerBuilder {
        let connection = EventStreamConnection(hub: relay.hub, reader: relay.reader, queueSize: settings.queueSize, logger: logger)
        let auth = auth
        return .http1WebSocketUpgrade(configuration: .init(ws: serverConfiguration)) { head, channel, _ in
            let path = head.path.map { $0.split(separator: "?", maxSplits: 1).first.map(String.init) ?? $0 } ?? ""
            guard path == Self.path else { return .dontUpgrade }
            let stream: EventStreamRequest
            do {
                stream = try await EventStreamRequest.authorize(Request(head: head, body: .init(buffer: ByteBuffer())), auth: auth)
            } catch {
                let refusal = error as? APIError
                    ?? APIError(.serviceUnavailable, "Authentication unavailable", code: "service_unavailable", headers: [.retryAfter: "5"])
                try await channel.pipeline.addHandler(UpgradeRefusal(refusal)).get()
                return .dontUpgrade
            }
            return .upgrade([:]) { inbound, outbound, _ in
                await connection.serve(stream, inbound: inbound, outbound: outbound, channel: channel)
            }
        }
    }

    /// WebSocket server settings: ping frames every `SUNDIAL_WS_PING_INTERVAL` (a listener that
    /// has not answered by the next ping is dropped).
    var serverConfiguration: WebSocketServerConfiguration {
        WebSocketServerConfiguration(
            maxFrameSize: 1 << 16, autoPing: .enabled(timePeriod: .milliseconds(Int(settings.pingIntervalSeconds * 1000))),
            closeTimeout: .seconds(5))
    }
}

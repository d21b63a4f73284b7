import Foundation
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket

/// Serves one `/ws/events` listener: `connected`, the replay (`since`), then live events from
/// the hub through a bounded queue; answers `{"type":"ping"}` with `{"type":"pong"}`; closes
/// with a code and reason when the listener is too slow, stalled, or the server stops.
struct EventStreamConnection: Sendable {
    let hub: EventHub
    let reader: EventLogReader
    let queueSize: Int
    let logger: Logger

    /// Events per replay query.
    static let replayPageSize = 500
    /// Largest client message read (pings are tiny).
    static let maximumClientMessage = 16 * 1024
    /// How long a close frame may take to go out before the connection is cut.
    static let closeGrace = Duration.seconds(2)

    func serve(
        _ request: EventStreamRequest, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, channel: any Channel
    ) async {
        let listener = EventListener(audience: request.audience, capacity: queueSize)
        var connectionLogger = logger
        connectionLogger[metadataKey: "user"] = "\(request.identity.username)"
        connectionLogger[metadataKey: "listener"] = "\(listener.id)"
        let logger = connectionLogger
        guard hub.connect(listener) else {
            await Self.close(outbound: outbound, channel: channel, reason: .shuttingDown)
            return
        }
        defer { hub.disconnect(listener) }
        logger.debug("event listener connected", metadata: ["since": "\(request.since.map(String.init) ?? "-")"])

        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.readMessages(inbound, outbound: outbound, listener: listener) }
            group.addTask { await self.writeEvents(request, outbound: outbound, listener: listener, logger: logger) }
            var reason = EventListener.CloseReason.connectionEnded
            for await first in listener.closeReasons {
                reason = first
                break
            }
            switch reason {
            case .connectionEnded, .shuttingDown:
                logger.debug("event listener closed", metadata: ["reason": "\(reason.text)"])
            default:
                logger.warning("closing event listener", metadata: ["reason": "\(reason.text)"])
            }
            await Self.close(outbound: outbound, channel: channel, reason: reason)
            group.cancelAll()
        }
    }

    /// Sends the close frame; a connection that cannot take it within `closeGrace` is cut.
    static func close(outbound: WebSocketOutboundWriter, channel: any Channel, reason: EventListener.CloseReason) async {
        guard reason != .connectionEnded else { return }
        let sent = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    try await outbound.close(WebSocketErrorCode(codeNumber: Int(reason.code)), reason: reason.text)
                    return true
                } catch {
                    return false
                }
            }
            group.addTask {
                try? await Task.sleep(for: closeGrace)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !sent { channel.close(promise: nil) }
    }

    /// Client messages: `{"type":"ping"}` → `{"type":"pong"}`. The end of input ends the connection.
    private func readMessages(_ inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, listener: EventListener) async {
        do {
            for try await message in inbound.messages(maxSize: Self.maximumClientMessage) {
                guard case .text(let text) = message else { continue }
                let reply = Self.reply(to: text)
                listener.beginWrite()
                defer { listener.endWrite() }
                try await outbound.write(.text(reply))
            }
        } catch {}
        listener.close(.connectionEnded)
    }

    static func reply(to text: String) -> String {
        let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        if object?["type"] as? String == "ping" { return #"{"type":"pong"}"# }
        return #"{"type":"error","detail":"unknown message: only {\"type\":\"ping\"} is understood"}"#
    }

    /// `connected`, replay, then live events until the listener is closed.
    private func writeEvents(_ request: EventStreamRequest, outbound: WebSocketOutboundWriter, listener: EventListener, logger: Logger) async {
        do {
            guard let newest = await hub.readyWatermark(timeout: .seconds(10)) else {
                listener.close(.notReady)
                return
            }
            try await send(ByteBuffer(string: #"{"event_id":\#(newest),"type":"connected"}"#), outbound: outbound, listener: listener)
            var cursor = request.since ?? newest
            // Replay until caught up with the hub, then go live without a gap (see EventHub.goLive).
            while !listener.isClosing {
                guard let target = hub.watermark else { return }
                if cursor >= target {
                    if hub.goLive(listener, after: cursor) { break }
                    continue
                }
                let page: [(id: Int, json: ByteBuffer)]
                do {
                    page = try await reader.replay(after: cursor, through: target, audience: listener.audience, limit: Self.replayPageSize)
                } catch {
                    logger.warning("event replay failed", metadata: ["error": "\(error)"])
                    listener.close(.replayFailed)
                    return
                }
                for event in page where !listener.isClosing {
                    try await send(event.json, outbound: outbound, listener: listener)
                }
                cursor = page.count < Self.replayPageSize ? target : (page.last?.id ?? target)
            }
            for await json in listener.frames {
                guard !listener.isClosing else { break }
                try await send(json, outbound: outbound, listener: listener)
            }
        } catch {
            listener.close(.connectionEnded)
        }
    }

    /// One text frame, sharing the event's buffer with every other listener (no copy).
    private func send(_ json: ByteBuffer, outbound: WebSocketOutboundWriter, listener: EventListener) async throws {
        listener.beginWrite()
        defer { listener.endWrite() }
        try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: json)))
    }
}

import Domain
import Foundation
import Logging
import Synchronization
import WSClient

/// The client side of `GET /ws/events` (API.md "WebSocket events"): connects with the token
/// in the query, reads `{"type":"connected","event_id":N}` and then events, and after a lost
/// connection reconnects with `since=<last event id>` so nothing is missed or repeated.
public struct EventFeed: Sendable {
    public struct Options: Sendable {
        /// Only these agents' events (filtered by the server); empty means all visible ones.
        public var agents: [String]
        /// Start after this event id (replaying what the durable log still holds).
        public var since: Int64?
        /// Reconnect after a connection that had been established drops.
        public var reconnect: Bool
        /// The longest wait between reconnection attempts.
        public var maxBackoff: Duration

        public init(agents: [String] = [], since: Int64? = nil, reconnect: Bool = true, maxBackoff: Duration = .seconds(10)) {
            self.agents = agents
            self.since = since
            self.reconnect = reconnect
            self.maxBackoff = maxBackoff
        }
    }

    public enum Message: Sendable, Equatable {
        /// The server's greeting: the newest event id it had, and the `since` this connection asked for.
        case connected(latestEventID: Int64, since: Int64?)
        case event(SundialEvent)
        /// The connection ended; the feed reconnects after `retryIn`.
        case disconnected(reason: String, retryIn: Duration)
    }

    public let baseURL: String
    public let credential: String
    public let options: Options
    let logger: Logger

    public init(baseURL: String, credential: String, options: Options = Options(), logger: Logger = Logger(label: "sundial.event-feed")) {
        self.baseURL = baseURL
        self.credential = credential
        self.options = options
        self.logger = logger
    }

    /// The WebSocket URL for a connection resuming after `since`.
    public func url(since: Int64?) -> String {
        var url = baseURL
        if url.lowercased().hasPrefix("https://") {
            url = "wss://" + url.dropFirst("https://".count)
        } else if url.lowercased().hasPrefix("http://") {
            url = "ws://" + url.dropFirst("http://".count)
        }
        let agents = options.agents.isEmpty ? nil : options.agents.joined(separator: ",")
        return url + "/ws/events" + URLText.query([("token", credential), ("agents", agents), ("since", since.map(String.init))])
    }

    /// The feed's messages. Fails when the very first connection cannot be made (refused,
    /// upgrade rejected); later drops reconnect (``Options/reconnect``) with growing pauses.
    public func messages() -> AsyncThrowingStream<Message, any Error> {
        let (stream, continuation) = AsyncThrowingStream<Message, any Error>.makeStream()
        let task = Task {
            do {
                try await run(continuation)
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func run(_ continuation: AsyncThrowingStream<Message, any Error>.Continuation) async throws {
        let cursor = EventCursor(options.since)
        var everConnected = false
        var backoff = Duration.milliseconds(250)
        while !Task.isCancelled {
            let since = cursor.value
            let greeted = GreetingFlag()
            var reason = "connection closed by the server"
            do {
                let close = try await WebSocketClient.connect(
                    url: url(since: since), configuration: .init(maxFrameSize: 1 << 20), logger: logger
                ) { inbound, outbound, _ in
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = message else { continue }
                        if let reply = try Self.handle(text, since: since, cursor: cursor, greeted: greeted, continuation) {
                            try await outbound.writeTextMessage(reply)
                        }
                    }
                }
                if let close { reason = "connection closed by the server (\(close.closeCode)\(close.reason.map { ": \($0)" } ?? ""))" }
            } catch is CancellationError {
                return
            } catch {
                guard everConnected || greeted.isSet else {
                    throw SundialClientError(
                        kind: .unavailable,
                        detail: "cannot open the event stream at \(baseURL)/ws/events: \(error) (is the API reachable, and does it serve /ws/events?)")
                }
                reason = "connection lost: \(error)"
            }
            if greeted.isSet {
                everConnected = true
                backoff = .milliseconds(250)
            }
            guard options.reconnect, everConnected, !Task.isCancelled else { return }
            continuation.yield(.disconnected(reason: reason, retryIn: backoff))
            try await Task.sleep(for: backoff)
            backoff = min(backoff * 2, options.maxBackoff)
        }
    }

    /// Handles one text message; returns a reply to send (a `pong`), if any.
    static func handle(
        _ text: String, since: Int64?, cursor: EventCursor, greeted: GreetingFlag,
        _ continuation: AsyncThrowingStream<Message, any Error>.Continuation
    ) throws -> String? {
        let json = try JSONText.parse(Array(text.utf8))
        let event = try SundialEvent(json: json)
        switch event.type {
        case "connected":
            let latest = event.eventID ?? 0
            greeted.set()
            cursor.startIfUnset(latest)
            continuation.yield(.connected(latestEventID: latest, since: since))
        case "ping":
            return #"{"type":"pong"}"#
        case "pong":
            break
        default:
            if let id = event.eventID {
                guard cursor.advance(to: id) else { return nil }  // already seen (replayed twice)
            }
            continuation.yield(.event(event))
        }
        return nil
    }
}

/// The id of the last event delivered: where a reconnection resumes.
final class EventCursor: Sendable {
    private let state: Mutex<Int64?>

    init(_ start: Int64?) { state = Mutex(start) }

    var value: Int64? { state.withLock { $0 } }

    /// A feed started without `since` resumes after the newest event at its first connection.
    func startIfUnset(_ latest: Int64) {
        state.withLock { if $0 == nil { $0 = latest } }
    }

    /// Moves past `id`; false when `id` is not newer than what was already delivered.
    func advance(to id: Int64) -> Bool {
        state.withLock { current in
            if let current, id <= current { return false }
            current = id
            return true
        }
    }
}

/// Whether a connection got the server's `connected` greeting.
final class GreetingFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}

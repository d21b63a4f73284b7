import Domain
import Foundation
import Logging
import Synchronization

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
        /// A connection that has not been upgraded, or has not sent its `connected` greeting,
        /// this long after it was opened is given up and opened again (resuming with `since`,
        /// so nothing is lost). swift-websocket's client sometimes never delivers what arrives
        /// together with the upgrade answer; this turns that stall into a quick reconnect.
        public var greetingTimeout: Duration

        public init(
            agents: [String] = [], since: Int64? = nil, reconnect: Bool = true, maxBackoff: Duration = .seconds(10),
            greetingTimeout: Duration = .seconds(3)
        ) {
            self.agents = agents
            self.since = since
            self.reconnect = reconnect
            self.maxBackoff = maxBackoff
            self.greetingTimeout = greetingTimeout
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

    /// Silent connections in a row (no greeting) after which the feed gives up.
    static let maxSilentAttempts = 5

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
        var silentAttempts = 0
        var backoff = Duration.milliseconds(250)
        while !Task.isCancelled {
            let since = cursor.value
            let attempt = EventFeedConnection(url: url(since: since), since: since, cursor: cursor, timeout: options.greetingTimeout, logger: logger)
            let reason: String
            switch await attempt.run(continuation) {
            case .cancelled:
                return
            case .closed(let why):
                reason = why
            case .silent(let why):
                silentAttempts += 1
                guard everConnected || silentAttempts < Self.maxSilentAttempts else {
                    throw SundialClientError(kind: .unavailable, detail: "the event stream at \(baseURL)/ws/events never answered: \(why)")
                }
                reason = why
            case .failed(let error):
                guard everConnected else {
                    throw SundialClientError(
                        kind: .unavailable,
                        detail: "cannot open the event stream at \(baseURL)/ws/events: \(error) (is the API reachable, and does it serve /ws/events?)")
                }
                reason = "connection lost: \(error)"
            }
            if attempt.greeted {
                everConnected = true
                silentAttempts = 0
                backoff = .milliseconds(250)
            }
            // A silent connection is retried even without `reconnect`: it never started.
            let retry = attempt.greeted ? options.reconnect : (silentAttempts > 0 || (everConnected && options.reconnect))
            guard retry, !Task.isCancelled else { return }
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

/// A one-way switch shared between tasks (a connection got its greeting, was upgraded, …).
final class GreetingFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}

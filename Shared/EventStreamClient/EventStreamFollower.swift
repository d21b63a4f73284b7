import Foundation
import HTTPTypes
import Logging
import NIOCore
import Synchronization
import WSClient

/// Follows `/ws/events` across disconnects: reconnects with backoff and resumes with
/// `since=<last event id>`, so the handler sees every event once, in id order.
///
/// ```swift
/// let follower = EventStreamFollower(server: "http://127.0.0.1:8080", token: token, agents: ["research"])
/// try await follower.run { event in print(event.json) }
/// ```
public struct EventStreamFollower: Sendable {
    public enum Failure: Error, CustomStringConvertible {
        /// The first connection was refused (bad token or query); retrying would not help.
        case refused(String)

        public var description: String {
            switch self {
            case .refused(let detail): detail
            }
        }
    }

    /// One delivered event.
    public struct Event: Sendable, Equatable {
        public var id: Int
        public var type: String
        public var agent: String?
        public var json: String
    }

    /// What happened to the connection, for logs and status lines.
    public enum Status: Sendable, Equatable {
        case connected(newestEventID: Int, resumedAfter: Int?)
        case disconnected(reason: String, retryIn: Duration)
    }

    public var server: String
    public var token: String?
    public var agents: [String]
    /// Start after this id (nil: only events from now on).
    public var since: Int?
    /// Delay before the first reconnect; doubles up to `maximumBackoff`.
    public var initialBackoff: Duration = .milliseconds(250)
    public var maximumBackoff: Duration = .seconds(10)
    /// How often the follower sends `{"type":"ping"}`; a connection that gives no message
    /// (event or pong) for two periods is considered dead and replaced.
    public var pingInterval: Duration = .seconds(15)
    public var logger: Logger

    public init(server: String, token: String?, agents: [String] = [], since: Int? = nil, logger: Logger = Logger(label: "sundial.events")) {
        self.server = server
        self.token = token
        self.agents = agents
        self.since = since
        self.logger = logger
    }

    /// Runs until the calling task is cancelled (or the first connection is refused), calling
    /// `onEvent` for each event in id order and `onStatus` on every (re)connection and drop.
    public func run(
        onStatus: @escaping @Sendable (Status) async -> Void = { _ in },
        onEvent: @escaping @Sendable (Event) async throws -> Void
    ) async throws {
        let progress = Progress(lastEventID: since)
        var backoff = initialBackoff
        var everConnected = false
        while !Task.isCancelled {
            let resumeFrom = progress.lastEventID
            let url = try EventStreamURL.make(server: server, token: token, agents: agents, since: resumeFrom)
            let reason: String
            do {
                let close = try await WebSocketClient.connect(
                    url: url, configuration: WebSocketClientConfiguration(maxFrameSize: 1 << 20, autoPing: .disabled),
                    logger: logger
                ) { inbound, outbound, _ in
                    try await session(inbound: inbound, outbound: outbound, progress: progress, resumedAfter: resumeFrom, onStatus: onStatus, onEvent: onEvent)
                }
                everConnected = everConnected || progress.sessionOpened
                reason = close.map { "closed by the server (\($0.closeCode)\($0.reason.map { ": \($0)" } ?? ""))" } ?? "connection closed"
            } catch let error as WebSocketClientError where error == .webSocketUpgradeFailed && !everConnected && !progress.sessionOpened {
                throw Failure.refused("the server refused the WebSocket upgrade (check the token, agents and since)")
            } catch is CancellationError {
                return
            } catch {
                everConnected = everConnected || progress.sessionOpened
                reason = "\(error)"
            }
            if Task.isCancelled { return }
            if progress.sessionOpened { backoff = initialBackoff }
            progress.sessionOpened = false
            await onStatus(.disconnected(reason: reason, retryIn: backoff))
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, maximumBackoff)
        }
    }

    private func session(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, progress: Progress, resumedAfter: Int?,
        onStatus: @escaping @Sendable (Status) async -> Void, onEvent: @escaping @Sendable (Event) async throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            let heard = HeardClock()
            group.addTask {
                // Keep-alive: ping, and give up on a connection that stays silent.
                while true {
                    try await Task.sleep(for: pingInterval)
                    if heard.silence > pingInterval * 2 { throw CancellationError() }
                    try await outbound.write(.text(#"{"type":"ping"}"#))
                }
            }
            group.addTask {
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    heard.touch()
                    guard case .text(let text) = message else { continue }
                    switch EventStreamMessage.parse(text) {
                    case .connected(let newest):
                        progress.sessionOpened = true
                        if progress.lastEventID == nil { progress.lastEventID = newest }
                        await onStatus(.connected(newestEventID: newest, resumedAfter: resumedAfter))
                    case .event(let id, let type, let agent, let json):
                        // Exactly once, in order, even if a server replayed something again.
                        if let last = progress.lastEventID, id <= last { continue }
                        progress.lastEventID = id
                        try await onEvent(Event(id: id, type: type, agent: agent, json: json))
                    case .pong, .other:
                        continue
                    }
                }
            }
            // Whichever ends first (input closed, silence, handler error) ends the session.
            defer { group.cancelAll() }
            try await group.next()
        }
    }
}

/// The follower's resume point, shared with its session tasks.
final class Progress: Sendable {
    private let state: Mutex<(lastEventID: Int?, sessionOpened: Bool)>

    init(lastEventID: Int?) { state = Mutex((lastEventID, false)) }

    var lastEventID: Int? {
        get { state.withLock { $0.lastEventID } }
        set { state.withLock { $0.lastEventID = newValue } }
    }

    var sessionOpened: Bool {
        get { state.withLock { $0.sessionOpened } }
        set { state.withLock { $0.sessionOpened = newValue } }
    }
}

/// When the session last heard from the server.
final class HeardClock: Sendable {
    private let last = Mutex(ContinuousClock.now)

    func touch() { last.withLock { $0 = .now } }
    var silence: Duration { last.withLock { $0.duration(to: .now) } }
}

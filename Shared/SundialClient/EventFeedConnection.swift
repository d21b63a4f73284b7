import Domain
import Logging
import WSClient

/// One connection of an ``EventFeed``: opens the WebSocket, delivers its messages, and gives
/// it up when it stalls before its greeting.
///
/// swift-websocket's client (1.6.2, on Linux) now and then never delivers bytes that arrive
/// in the same read as the server's answer to the upgrade: the upgrade future or the first
/// frames never come, and neither notices cancellation. So the attempt runs in its own task
/// and is watched from outside: not upgraded or not greeted within `timeout` → the attempt
/// is marked abandoned (it may deliver nothing more) and left to the connection's close; the
/// feed reconnects with `since`, and the server replays whatever was missed.
struct EventFeedConnection: Sendable {
    enum Outcome: Sendable {
        case closed(String)
        case silent(String)
        case failed(any Error)
        case cancelled
    }

    let url: String
    let since: Int64?
    let cursor: EventCursor
    let timeout: Duration
    let logger: Logger

    private let upgraded = GreetingFlag()
    private let greetedFlag = GreetingFlag()
    private let abandoned = GreetingFlag()
    private let finished = GreetingFlag()

    init(url: String, since: Int64?, cursor: EventCursor, timeout: Duration, logger: Logger) {
        self.url = url
        self.since = since
        self.cursor = cursor
        self.timeout = timeout
        self.logger = logger
    }

    /// Whether the server's `connected` greeting arrived on this connection.
    var greeted: Bool { greetedFlag.isSet }

    func run(_ continuation: AsyncThrowingStream<EventFeed.Message, any Error>.Continuation) async -> Outcome {
        let attempt = Task { () -> Outcome in
            defer { finished.set() }
            do {
                let close = try await WebSocketClient.connect(
                    url: url, configuration: .init(maxFrameSize: 1 << 20, autoPing: .enabled(timePeriod: .seconds(20))), logger: logger
                ) { inbound, outbound, _ in
                    upgraded.set()
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard !abandoned.isSet else { return }
                        guard case .text(let text) = message else { continue }
                        if let reply = try EventFeed.handle(text, since: since, cursor: cursor, greeted: greetedFlag, continuation) {
                            try await outbound.writeTextMessage(reply)
                        }
                    }
                }
                let detail = close.map { " (\($0.closeCode)\($0.reason.map { ": \($0)" } ?? ""))" } ?? ""
                return .closed("connection closed by the server\(detail)")
            } catch is CancellationError {
                return .cancelled
            } catch {
                return .failed(error)
            }
        }
        // Watch for the greeting; once it came, wait for the connection to end.
        let deadline = ContinuousClock.now + timeout
        while !finished.isSet, !greetedFlag.isSet {
            if Task.isCancelled {
                abandoned.set()
                attempt.cancel()
                return .cancelled
            }
            if ContinuousClock.now >= deadline {
                abandoned.set()
                attempt.cancel()
                return .silent(upgraded.isSet ? "no greeting within \(timeout) of the upgrade" : "no upgrade answer within \(timeout)")
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return await withTaskCancellationHandler {
            await attempt.value
        } onCancel: {
            abandoned.set()
            attempt.cancel()
        }
    }
}

import Foundation
import Logging
import Synchronization

/// Receives Redis pub/sub messages on a dedicated connection and thread, and
/// keeps the subscription alive across server restarts and dropped connections.
///
/// ```swift
/// let subscriber = RedisSubscriber(configuration: config, channels: ["scheduler:events"])
/// async let running: Void = subscriber.run()
/// for await event in subscriber.events {
///     switch event {
///     case .message(let channel, let payload): …
///     case .reconnected(let gap): … backfill from Postgres …
///     case .subscribed, .disconnected: …
///     }
/// }
/// ```
///
/// `run()` returns after `shutdown()` or when its task is cancelled, and then
/// finishes `events`. A ServiceLifecycle service wraps it as
/// `try await withGracefulShutdownHandler { await subscriber.run() } onGracefulShutdown: { subscriber.shutdown() }`.
/// A subscriber runs once; make a new one to subscribe again.
public final class RedisSubscriber: Sendable {
    public enum Event: Sendable, Hashable {
        /// The first subscription to every channel and pattern is confirmed.
        case subscribed
        /// A message on `channel` (for pattern subscriptions, the concrete channel).
        case message(channel: String, payload: [UInt8])
        /// The connection was lost or could not be made; reconnecting with backoff.
        /// Sent once per outage, not for every failed attempt.
        case disconnected(RedisError)
        /// Subscribed again after a `.disconnected`. `gap` runs from detecting the
        /// loss to the new subscription's confirmation: messages published in it
        /// were missed and should be backfilled from the durable store.
        case reconnected(gap: Duration)
    }

    public let configuration: RedisConfiguration
    public let channels: [String]
    public let patterns: [String]
    /// Delivered in the order the server sent them. Single consumer.
    public let events: AsyncStream<Event>

    let continuation: AsyncStream<Event>.Continuation
    let backoff: RedisBackoff
    let pingInterval: Duration
    let logger: Logger
    let wake = RedisWakePipe()
    let stopping = Atomic<Bool>(false)

    private enum RunState { case idle, running, finished }
    private let runState = Mutex(RunState.idle)

    /// - Parameters:
    ///   - channels: exact channel names (`SUBSCRIBE`).
    ///   - patterns: glob patterns (`PSUBSCRIBE`).
    ///   - backoff: delays between reconnect attempts (default 100 ms doubling to 5 s, ±20 % jitter).
    ///   - pingInterval: after this long without traffic the subscriber sends `PING`;
    ///     no answer within another interval counts as a lost connection.
    ///   - bufferingPolicy: how `events` buffers for a slow consumer.
    public init(
        configuration: RedisConfiguration,
        channels: [String],
        patterns: [String] = [],
        backoff: RedisBackoff = .subscriber,
        pingInterval: Duration = .seconds(5),
        bufferingPolicy: AsyncStream<Event>.Continuation.BufferingPolicy = .unbounded,
        logger: Logger = Logger(label: "sundial.redis.subscriber")
    ) {
        self.configuration = configuration
        self.channels = Self.unique(channels)
        self.patterns = Self.unique(patterns)
        self.backoff = backoff
        self.pingInterval = max(pingInterval, .milliseconds(10))
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: bufferingPolicy)
    }

    /// Subscribes and delivers events until `shutdown()` or cancellation of the
    /// calling task. Returns at once if the subscriber already ran.
    public func run() async {
        let start = runState.withLock { state in
            guard case .idle = state else { return false }
            state = .running
            return true
        }
        guard start else { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                let thread = Thread { [self] in
                    RedisSubscriberLoop(subscriber: self).run()
                    runState.withLock { $0 = .finished }
                    continuation.finish()
                    done.resume()
                }
                thread.name = "sundial-redis-subscriber"
                thread.start()
            }
        } onCancel: {
            shutdown()
        }
    }

    /// Asks `run()` to stop: it closes the connection and returns promptly.
    /// Safe to call from anywhere, any number of times.
    public func shutdown() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        wake.signal()
        let neverStarted = runState.withLock { state in
            guard case .idle = state else { return false }
            state = .finished
            return true
        }
        if neverStarted { continuation.finish() }
    }

    var isStopping: Bool { stopping.load(ordering: .sequentiallyConsistent) }

    private static func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}

import CLibPQ
import Dispatch
import Foundation
import Logging
import Synchronization

/// `LISTEN`s on fixed channels over a dedicated connection served by its own
/// thread, and delivers what arrives through `events`.
///
/// The thread waits on the connection's socket with `poll` (a short timeout so
/// `stop()` takes effect promptly), then `PQconsumeInput` + `PQnotifies`. When
/// the connection is lost it reconnects with exponential backoff, re-issues
/// `LISTEN`, and emits `.reconnected`: notifications sent while it was away are
/// gone, so consumers should resynchronise from the database.
public final class PostgresListener: Sendable {
    public enum Event: Sendable, Hashable {
        /// The first `LISTEN` succeeded; notifications sent from now on arrive.
        case listening
        /// Listening again after a lost connection; anything in between was missed.
        case reconnected
        case notification(PostgresNotification)
    }

    public struct Options: Sendable {
        /// First wait after a failed connection attempt; doubles up to `maximumBackoff`.
        public var initialBackoff: Duration
        public var maximumBackoff: Duration
        /// An idle connection is checked with `SELECT 1` this often, so a silently
        /// dead server is noticed.
        public var healthCheckInterval: Duration

        public init(
            initialBackoff: Duration = .milliseconds(100), maximumBackoff: Duration = .seconds(10),
            healthCheckInterval: Duration = .seconds(30)
        ) {
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
            self.healthCheckInterval = healthCheckInterval
        }
    }

    /// Every event, in order. Unbounded: a consumer that stops reading makes it grow.
    public let events: AsyncStream<Event>
    public let channels: [String]
    private let continuation: AsyncStream<Event>.Continuation
    private let control = ListenerControl()
    private let exit = ThreadExit()
    private let configuration: PostgresConfiguration
    private let options: Options
    private let logger: Logger

    public init(
        configuration: PostgresConfiguration, channels: [String], options: Options = Options(),
        logger: Logger = Logger(label: "sundial.postgres.listener")
    ) {
        (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
        self.channels = channels
        self.configuration = configuration
        self.options = options
        self.logger = logger
        let control = self.control
        continuation.onTermination = { _ in control.requestStop() }
    }

    deinit {
        control.requestStop()
    }

    /// Starts the listening thread (once; later calls do nothing).
    public func start() {
        guard control.markStarted() else { return }
        let loop = ListenLoop(
            configuration: configuration, channels: channels, options: options, logger: logger,
            control: control, continuation: continuation)
        let exit = self.exit
        let thread = Thread {
            loop.run()
            exit.finish()
        }
        thread.name = "sundial-pg-listener"
        thread.start()
    }

    /// Asks the thread to stop, waits for it to close its connection, and
    /// finishes `events`.
    public func stop() async {
        control.requestStop()
        if control.wasStarted {
            await exit.wait()
        } else {
            continuation.finish()
        }
    }

    /// Starts, then runs until the calling task is cancelled (the shape of a
    /// ServiceLifecycle `Service.run()`).
    public func run() async {
        start()
        await withTaskCancellationHandler {
            await exit.wait()
        } onCancel: {
            control.requestStop()
        }
    }
}

/// Stop flag and an interruptible sleep for the listener thread.
final class ListenerControl: Sendable {
    private let state = Mutex<(started: Bool, stopped: Bool)>((false, false))
    private let wakeup = DispatchSemaphore(value: 0)

    func markStarted() -> Bool {
        state.withLock { state in
            defer { state.started = true }
            return !state.started && !state.stopped
        }
    }

    var wasStarted: Bool { state.withLock { $0.started } }
    var isStopped: Bool { state.withLock { $0.stopped } }

    func requestStop() {
        let first = state.withLock { state in
            defer { state.stopped = true }
            return !state.stopped
        }
        if first { wakeup.signal() }
    }

    /// Sleeps up to `duration`, returning early when stop is requested.
    func sleep(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        if wakeup.wait(timeout: .now() + .nanoseconds(Int(nanoseconds))) == .success {
            wakeup.signal()  // keep the stop signal for any later sleep
        }
    }
}

/// The body of the listener thread. Owns its connection; never shared.
private struct ListenLoop: Sendable {
    let configuration: PostgresConfiguration
    let channels: [String]
    let options: PostgresListener.Options
    let logger: Logger
    let control: ListenerControl
    let continuation: AsyncStream<PostgresListener.Event>.Continuation

    private static let pollMilliseconds: Int32 = 200

    func run() {
        var connection: PostgresConnection?
        var hasListened = false
        var backoff = options.initialBackoff
        var lastActivity = ContinuousClock.now
        defer { continuation.finish() }

        while !control.isStopped {
            guard let current = connection else {
                do {
                    let fresh = try PostgresConnection.connect(configuration)
                    for channel in channels {
                        _ = try fresh.runScript("LISTEN " + (try fresh.escapeIdentifier(channel)))
                    }
                    connection = fresh
                    backoff = options.initialBackoff
                    lastActivity = .now
                    logger.info(
                        hasListened ? "Postgres listener reconnected" : "Postgres listener started",
                        metadata: ["channels": "\(channels.joined(separator: ","))", "backend_pid": "\(fresh.backendPID)"])
                    continuation.yield(hasListened ? .reconnected : .listening)
                    hasListened = true
                    deliver(from: fresh)
                } catch {
                    logger.warning(
                        "Postgres listener cannot connect; retrying",
                        metadata: ["error": "\(error.message)", "retry_in": "\(backoff)"])
                    control.sleep(backoff)
                    backoff = min(backoff * 2, options.maximumBackoff)
                }
                continue
            }

            do throws(PostgresError) {
                let ready = sundial_pq_wait_readable(current.socket, Self.pollMilliseconds)
                if ready < 0 {
                    throw PostgresError(.connectionLost, message: "poll failed: errno \(errno)")
                } else if ready > 0 {
                    try current.consumeInput()
                    deliver(from: current)
                    lastActivity = .now
                } else if ContinuousClock.now - lastActivity >= options.healthCheckInterval {
                    _ = try current.runScript("SELECT 1")
                    deliver(from: current)
                    lastActivity = .now
                }
            } catch {
                logger.warning("Postgres listener lost its connection", metadata: ["error": "\(error.message)"])
                connection = nil
            }
        }
        logger.debug("Postgres listener stopped")
    }

    private func deliver(from connection: PostgresConnection) {
        while let notification = connection.nextNotification() {
            continuation.yield(.notification(notification))
        }
    }
}

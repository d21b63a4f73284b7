import Foundation
import Logging

/// An async Redis client backed by a small pool of blocking hiredis connections,
/// each owned by its own OS thread.
///
/// Commands are queued and picked up by whichever worker thread is free, so no
/// hiredis call ever runs on Swift's cooperative pool. Connections are opened
/// lazily. When a connection breaks, the failing call throws
/// (`.connectionLost`); the next call on that worker reconnects, and if that
/// fails the worker answers `.unavailable` until its backoff delay has passed.
/// The client therefore recovers by itself when the server comes back.
///
/// Call `shutdown()` when done; dropping the last reference also lets the
/// threads drain the queue and exit.
public final class RedisClient: Sendable {
    public let configuration: RedisConfiguration
    private let queue: RedisWorkQueue
    private let latch: RedisThreadLatch

    /// - Parameters:
    ///   - connections: worker threads, one connection each (at least 1).
    ///   - backoff: how long a worker fails fast after a failed reconnect.
    public init(
        configuration: RedisConfiguration,
        connections: Int = 2,
        backoff: RedisBackoff = .client,
        logger: Logger = Logger(label: "sundial.redis")
    ) {
        let count = max(1, connections)
        self.configuration = configuration
        let queue = RedisWorkQueue(workerCount: count)
        let latch = RedisThreadLatch(count: count)
        let health = RedisPoolHealth()
        self.queue = queue
        self.latch = latch
        for index in 0..<count {
            let thread = Thread {
                let slot = RedisWorkerSlot(configuration: configuration, backoff: backoff, health: health, logger: logger)
                while let job = queue.next() {
                    job.run(slot)
                }
                slot.close()
                latch.threadExited()
            }
            thread.name = "sundial-redis-\(index)"
            thread.start()
        }
    }

    /// Convenience: parses `url` (see `RedisConfiguration(url:)`).
    public convenience init(url: String, connections: Int = 2, logger: Logger = Logger(label: "sundial.redis")) throws(RedisError) {
        self.init(configuration: try RedisConfiguration(url: url), connections: connections, logger: logger)
    }

    deinit {
        queue.close()
    }

    /// Stops accepting commands, lets queued ones finish, and waits for the
    /// worker threads to close their connections and exit.
    public func shutdown() async {
        queue.close()
        await latch.wait()
    }

    /// Runs `body` with a connection on a worker thread, for pipelines or
    /// transactions. `body` must not keep the connection and must read every
    /// reply it asks for, leaving the connection ready for the next command.
    /// Cancelling the task
    /// while the job is still queued throws `CancellationError`; once running it
    /// completes (bounded by `commandTimeout`).
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (RedisConnection) throws(RedisError) -> T
    ) async throws -> T {
        let pending = RedisPendingResult<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard pending.install(continuation) else { return }
                let accepted = queue.enqueue(RedisJob { slot in
                    guard let continuation = pending.take() else { return }
                    continuation.resume(with: Result { () throws(RedisError) -> T in try slot.perform(body) })
                })
                if !accepted {
                    pending.take()?.resume(throwing: RedisError(.shutdown, "redis client has been shut down"))
                }
            }
        } onCancel: {
            pending.cancel()
        }
    }

    /// Sends one command. Arguments are binary-safe. A top-level error reply is
    /// thrown as `RedisError(.server, …)`.
    public func command(_ arguments: [[UInt8]]) async throws -> RedisReply {
        try await withConnection { connection throws(RedisError) in
            try connection.command(arguments)
        }
    }

    public func command(_ arguments: [String]) async throws -> RedisReply {
        try await command(arguments.map { Array($0.utf8) })
    }

    public func command(_ arguments: String...) async throws -> RedisReply {
        try await command(arguments)
    }
}

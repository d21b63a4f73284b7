import Logging
import Synchronization

/// A fixed-size pool of Postgres connections, each owned by its own OS thread,
/// so blocking libpq calls never occupy Swift's cooperative threads.
///
/// Connections open lazily on first use. One that breaks (server restart,
/// `pg_terminate_backend`) is replaced on its next use; a statement that was in
/// flight when it broke fails with `connectionLost` and is not retried. Callers
/// waiting for a free connection suspend in FIFO order without blocking a thread.
public final class PostgresPool: PostgresQueryable {
    public let configuration: PostgresConfiguration
    /// Maximum number of connections (and worker threads).
    public let size: Int
    private let logger: Logger
    private let state = Mutex(State())

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<ConnectionWorker, any Error>
    }

    private struct State {
        var workers: [ConnectionWorker] = []
        var idle: [ConnectionWorker] = []
        var waiters: [Waiter] = []
        var cancelledWaiters: Set<UInt64> = []
        var nextWaiterID: UInt64 = 0
        var closed = false
    }

    /// How busy the pool is.
    public struct Statistics: Sendable, Equatable {
        public var workers: Int
        public var idle: Int
        public var waiting: Int
    }

    public init(
        configuration: PostgresConfiguration, size: Int = 10, logger: Logger = Logger(label: "sundial.postgres")
    ) {
        self.configuration = configuration
        self.size = max(1, size)
        self.logger = logger
    }

    deinit {
        state.withLock { state in state.workers.forEach { $0.stop() } }
    }

    public var statistics: Statistics {
        state.withLock { Statistics(workers: $0.workers.count, idle: $0.idle.count, waiting: $0.waiters.count) }
    }

    // MARK: Statements

    /// Runs one statement on any free connection.
    public func run(_ sql: String, _ binds: [PostgresValue]) async throws -> PostgresQueryResult {
        let worker = try await acquire()
        defer { release(worker) }
        return try await worker.submit { context in
            let (connection, _) = try context.connection()
            do {
                return try connection.run(sql, binds)
            } catch {
                context.discardIfBroken()
                throw error
            }
        }
    }

    /// Leases one connection for the duration of `body`.
    @discardableResult
    public func withConnection<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresSession) async throws -> T
    ) async throws -> T {
        let worker = try await acquire()
        let session = PostgresSession(lease: Lease(worker: worker, pinned: nil, kind: "session"))
        defer {
            session.lease.invalidate()
            release(worker)
        }
        return try await body(session)
    }

    /// BEGIN, `body`, COMMIT on one connection; ROLLBACK (and rethrow) when
    /// `body` throws. A COMMIT that the server turns into ROLLBACK (because a
    /// statement inside failed and the error was caught) throws too.
    @discardableResult
    public func withTransaction<T>(
        _ options: PostgresTransactionOptions = .readCommitted,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresTransaction) async throws -> T
    ) async throws -> T {
        let worker = try await acquire()
        let lease = Lease(worker: worker, pinned: nil, kind: "session")
        defer {
            lease.invalidate()
            release(worker)
        }
        return try await lease.transaction(options, isolation: isolation, body)
    }

    /// Readiness check: a round trip to the server.
    public func ping() async throws {
        _ = try await run("SELECT 1", [])
    }

    /// Refuses new work, fails waiting callers with `poolClosed`, lets running
    /// statements finish, then closes every connection and ends its thread.
    public func shutdown() async {
        let (waiters, idle, workers) = state.withLock { state in
            state.closed = true
            defer {
                state.waiters = []
                state.idle = []
            }
            return (state.waiters, state.idle, state.workers)
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: PostgresError(.poolClosed, message: "the Postgres pool is shut down"))
        }
        idle.forEach { $0.stop() }
        for worker in workers { await worker.waitUntilFinished() }
    }

    // MARK: Leasing workers

    private enum Acquisition {
        case ready(ConnectionWorker)
        case wait(UInt64)
        case closed
    }

    func acquire() async throws -> ConnectionWorker {
        let acquisition: Acquisition = state.withLock { state in
            if state.closed { return .closed }
            if let worker = state.idle.popLast() { return .ready(worker) }
            if state.workers.count < size {
                let worker = ConnectionWorker(id: state.workers.count, configuration: configuration, logger: logger)
                state.workers.append(worker)
                return .ready(worker)
            }
            state.nextWaiterID += 1
            return .wait(state.nextWaiterID)
        }
        switch acquisition {
        case .ready(let worker): return worker
        case .closed: throw PostgresError(.poolClosed, message: "the Postgres pool is shut down")
        case .wait(let id): return try await waitForWorker(id: id)
        }
    }

    private func waitForWorker(id: UInt64) async throws -> ConnectionWorker {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ConnectionWorker, any Error>) in
                enum Outcome { case queued, ready(ConnectionWorker), failed(any Error) }
                let outcome: Outcome = state.withLock { state in
                    if state.cancelledWaiters.remove(id) != nil { return .failed(CancellationError()) }
                    if state.closed {
                        return .failed(PostgresError(.poolClosed, message: "the Postgres pool is shut down"))
                    }
                    // A worker may have come back between deciding to wait and getting here.
                    if let worker = state.idle.popLast() { return .ready(worker) }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return .queued
                }
                switch outcome {
                case .queued: break
                case .ready(let worker): continuation.resume(returning: worker)
                case .failed(let error): continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                if let index = state.waiters.firstIndex(where: { $0.id == id }) {
                    return state.waiters.remove(at: index)
                }
                state.cancelledWaiters.insert(id)
                return nil
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    func release(_ worker: ConnectionWorker) {
        enum Next { case handOff(Waiter), keep, stop }
        let next: Next = state.withLock { state in
            if state.closed { return .stop }
            if !state.waiters.isEmpty { return .handOff(state.waiters.removeFirst()) }
            state.idle.append(worker)
            return .keep
        }
        switch next {
        case .handOff(let waiter): waiter.continuation.resume(returning: worker)
        case .keep: break
        case .stop: worker.stop()
        }
    }
}

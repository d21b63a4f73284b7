import Dispatch
import Foundation
import Logging
import Synchronization

/// A FIFO of jobs consumed by one dedicated thread. A counting semaphore is the
/// thread's condition variable: one signal per job, one more when closed.
final class JobQueue<Job: Sendable>: Sendable {
    private struct State {
        var jobs: [Job] = []
        var closed = false
    }
    private let state = Mutex(State())
    private let signal = DispatchSemaphore(value: 0)

    /// False when the queue is closed; the job was not accepted.
    func enqueue(_ job: Job) -> Bool {
        let accepted = state.withLock { state in
            guard !state.closed else { return false }
            state.jobs.append(job)
            return true
        }
        if accepted { signal.signal() }
        return accepted
    }

    /// Jobs already queued still run; later ones are refused.
    func close() {
        let wasOpen = state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
        if wasOpen { signal.signal() }
    }

    /// Blocks the (dedicated) calling thread for the next job; nil once closed and drained.
    func next() -> Job? {
        while true {
            signal.wait()
            let job: Job?? = state.withLock { state in
                if !state.jobs.isEmpty { return .some(state.jobs.removeFirst()) }
                return state.closed ? .some(nil) : nil
            }
            if let job { return job }
        }
    }
}

/// One OS thread that owns one `PostgresConnection` and runs jobs against it.
/// The connection is opened lazily and replaced when it breaks; it never leaves
/// the thread.
final class ConnectionWorker: Sendable {
    typealias Job = @Sendable (WorkerContext) -> Void

    let id: Int
    private let queue = JobQueue<Job>()
    private let exit = ThreadExit()

    init(id: Int, configuration: PostgresConfiguration, logger: Logger) {
        self.id = id
        let queue = self.queue
        let exit = self.exit
        let thread = Thread {
            let context = WorkerContext(configuration: configuration, logger: logger, workerID: id)
            while let job = queue.next() { job(context) }
            context.close()
            exit.finish()
        }
        thread.name = "sundial-pg-\(id)"
        thread.start()
    }

    /// Runs `body` on the worker thread and suspends (without blocking a thread)
    /// until it returns.
    func submit<T: Sendable>(_ body: @escaping @Sendable (WorkerContext) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = queue.enqueue { context in
                continuation.resume(with: Result { try body(context) })
            }
            if !accepted {
                continuation.resume(throwing: PostgresError(.poolClosed, message: "the Postgres pool is shut down"))
            }
        }
    }

    /// Lets queued jobs finish, then closes the connection and ends the thread.
    func stop() { queue.close() }

    func waitUntilFinished() async { await exit.wait() }
}

/// Lets async code wait for a dedicated thread to end.
final class ThreadExit: Sendable {
    private let state = Mutex<(finished: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func finish() {
        let waiters = state.withLock { state in
            state.finished = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let finished = state.withLock { state in
                if !state.finished { state.waiters.append(continuation) }
                return state.finished
            }
            if finished { continuation.resume() }
        }
    }
}

/// The worker thread's private state: its connection and the connection's
/// generation (bumped on every reconnect, so a transaction or session that began
/// on an older connection can tell that its server session is gone).
final class WorkerContext {
    private let configuration: PostgresConfiguration
    private let logger: Logger
    private let workerID: Int
    private var current: PostgresConnection?
    private(set) var generation = 0

    init(configuration: PostgresConfiguration, logger: Logger, workerID: Int) {
        self.configuration = configuration
        self.logger = logger
        self.workerID = workerID
    }

    /// A usable connection. With `pinned` nil, a broken, dirty or missing
    /// connection is replaced first (nothing has been sent yet, so this is
    /// safe). With a generation, the call fails unless that same connection is
    /// still alive: the caller's transaction or session state lives there.
    func connection(pinned: Int? = nil) throws -> (PostgresConnection, generation: Int) {
        if let pinned {
            guard let current, generation == pinned, current.isUsable else {
                throw PostgresError(
                    .connectionLost,
                    message: "the connection holding this session or transaction was lost; its uncommitted work is gone")
            }
            return (current, generation)
        }
        if let current {
            if current.drainIdleInput(), current.isIdleOutsideTransaction {
                return (current, generation)
            }
            logger.notice(
                "replacing broken Postgres connection",
                metadata: ["worker": "\(workerID)", "backend_pid": "\(current.backendPID)"])
            self.current = nil
        }
        do {
            let connection = try PostgresConnection.connect(configuration)
            current = connection
            generation += 1
            logger.debug(
                "connected to Postgres",
                metadata: ["worker": "\(workerID)", "backend_pid": "\(connection.backendPID)"])
            return (connection, generation)
        } catch {
            logger.warning(
                "Postgres connection failed",
                metadata: ["worker": "\(workerID)", "error": "\(error.message)", "url": "\(configuration.redactedURL)"])
            throw error
        }
    }

    /// Drops the connection if a failed statement left it unusable.
    func discardIfBroken() {
        if let current, !current.isUsable { self.current = nil }
    }

    /// Drops the connection unconditionally (its session state can't be trusted).
    func discard() { current = nil }

    func close() { current = nil }
}

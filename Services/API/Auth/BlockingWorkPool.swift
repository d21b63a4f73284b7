import Dispatch
import Foundation
import Synchronization

/// A few dedicated OS threads for CPU-heavy work (password hashing: tens of
/// milliseconds each) so it never occupies Swift's cooperative threads. On a
/// 2-core machine one hash on the cooperative pool would stall every request.
///
/// Jobs run in FIFO order. At most `maxQueued` jobs may wait; beyond that `run`
/// throws `AuthError.busy` at once instead of building an unbounded backlog
/// (a flood of logins must not queue minutes of work). Threads start on first
/// use and live until `shutdown()`.
public final class BlockingWorkPool: Sendable {
    /// The process-wide pool used by default: one thread per core but one (so a
    /// login flood leaves a core for everything else), at most 4, and at most 32
    /// jobs waiting (a few seconds of hashing) before callers get `busy` (503).
    public static let shared = BlockingWorkPool(
        label: "sundial.auth.work", threads: min(max(ProcessInfo.processInfo.activeProcessorCount - 1, 1), 4),
        maxQueued: 32)

    public let label: String
    public let threadCount: Int
    public let maxQueued: Int

    private typealias Job = @Sendable () -> Void

    private struct State {
        var queue: [Job] = []
        var head = 0
        var started = false
        var stopped = false
        var pending: Int { queue.count - head }
    }

    private enum Admission {
        case queued(startThreads: Bool)
        case full
        case stopped
    }

    private let state = Mutex(State())
    /// Counts queued jobs (plus one wake-up per thread at shutdown).
    private let available = DispatchSemaphore(value: 0)
    /// Signalled by each thread as it exits.
    private let exited = DispatchSemaphore(value: 0)

    public init(label: String, threads: Int, maxQueued: Int = 256) {
        self.label = label
        self.threadCount = max(1, threads)
        self.maxQueued = max(1, maxQueued)
    }

    /// Runs `work` on one of the pool's threads and returns its result.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job: Job = { continuation.resume(with: Result { try work() }) }
            let admission: Admission = state.withLock { state in
                if state.stopped { return .stopped }
                if state.pending >= maxQueued { return .full }
                state.queue.append(job)
                let start = !state.started
                state.started = true
                return .queued(startThreads: start)
            }
            switch admission {
            case .stopped:
                continuation.resume(throwing: AuthError(.unavailable, "the \(label) thread pool is shut down"))
            case .full:
                continuation.resume(throwing: AuthError(.busy, "too many requests are waiting for \(label)"))
            case .queued(let startThreads):
                if startThreads { self.startThreads() }
                available.signal()
            }
        }
    }

    /// Jobs waiting for a thread.
    var pendingCount: Int { state.withLock { $0.pending } }

    /// Lets queued jobs finish, then ends the threads. Later `run` calls throw.
    public func shutdown() {
        let wasStarted: Bool = state.withLock { state in
            let alreadyStopped = state.stopped
            state.stopped = true
            return state.started && !alreadyStopped
        }
        guard wasStarted else { return }
        for _ in 0..<threadCount { available.signal() }
        for _ in 0..<threadCount { exited.wait() }
    }

    /// The pool's threads (`pthread_self()` of each), for tests.
    var ownThreads: Set<pthread_t> { threadIDs.withLock { $0 } }
    private let threadIDs = Mutex<Set<pthread_t>>([])

    private func startThreads() {
        for index in 0..<threadCount {
            let name = "\(label)-\(index)"
            // Named from inside: on Linux a name set before `start()` does not stick.
            Thread { [self] in
                Thread.current.name = name
                threadIDs.withLock { _ = $0.insert(pthread_self()) }
                self.workLoop()
            }.start()
        }
    }

    private func workLoop() {
        while true {
            available.wait()
            let job: Job? = state.withLock { state in
                guard state.head < state.queue.count else { return nil }
                let job = state.queue[state.head]
                state.head += 1
                // Compact now and then so the array does not grow forever.
                if state.head >= 64, state.head * 2 >= state.queue.count {
                    state.queue.removeFirst(state.head)
                    state.head = 0
                }
                return job
            }
            if let job {
                job()
                continue
            }
            // A wake-up without a job is a shutdown signal (queued jobs were taken first).
            if state.withLock({ $0.stopped }) {
                exited.signal()
                return
            }
        }
    }
}

import Dispatch
import Synchronization

/// A job for a connection worker. It must resume whatever waits on it exactly once.
struct RedisJob: Sendable {
    let run: @Sendable (RedisWorkerSlot) -> Void
}

/// FIFO of jobs shared by the client's worker threads. Workers block in
/// `next()` (a semaphore wait on their own OS thread, never on the cooperative
/// pool); `close()` lets them drain what is queued and then exit.
final class RedisWorkQueue: Sendable {
    private struct State {
        var jobs: [RedisJob] = []
        var head = 0
        var closed = false

        mutating func pop() -> RedisJob? {
            guard head < jobs.count else { return nil }
            let job = jobs[head]
            head += 1
            if head > 64 && head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            return job
        }
    }

    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)
    private let workerCount: Int

    init(workerCount: Int) {
        self.workerCount = workerCount
    }

    /// False once the queue is closed; the caller then fails the job itself.
    func enqueue(_ job: RedisJob) -> Bool {
        let accepted = state.withLock { state in
            guard !state.closed else { return false }
            state.jobs.append(job)
            return true
        }
        if accepted { available.signal() }
        return accepted
    }

    /// Blocks until a job is available; nil when the queue is closed and empty.
    func next() -> RedisJob? {
        while true {
            available.wait()
            let (job, closed) = state.withLock { state in (state.pop(), state.closed) }
            if let job { return job }
            if closed { return nil }
        }
    }

    func close() {
        let wasOpen = state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
        guard wasOpen else { return }
        for _ in 0..<workerCount { available.signal() }
    }
}

/// Counts running worker threads and wakes whoever waits for all of them to exit.
final class RedisThreadLatch: Sendable {
    private struct State {
        var running: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(running: count))
    }

    func threadExited() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.running -= 1
            guard state.running == 0 else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.running == 0 { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}

/// Hands one result to one waiting task, unless the task was cancelled while
/// its job was still queued.
final class RedisPendingResult<Value: Sendable>: Sendable {
    private enum State {
        case idle
        case waiting(CheckedContinuation<Value, any Error>)
        case cancelled
        case taken
    }

    private let state = Mutex(State.idle)

    /// Stores the continuation; false (and the continuation resumed with
    /// `CancellationError`) when the task was cancelled before it got here.
    func install(_ continuation: CheckedContinuation<Value, any Error>) -> Bool {
        let cancelled = state.withLock { state -> Bool in
            if case .cancelled = state { return true }
            state = .waiting(continuation)
            return false
        }
        if cancelled { continuation.resume(throwing: CancellationError()) }
        return !cancelled
    }

    /// The continuation, once; nil if the task was cancelled or it was already taken.
    func take() -> CheckedContinuation<Value, any Error>? {
        state.withLock { state in
            guard case .waiting(let continuation) = state else { return nil }
            state = .taken
            return continuation
        }
    }

    func cancel() {
        let continuation = state.withLock { state -> CheckedContinuation<Value, any Error>? in
            switch state {
            case .idle:
                state = .cancelled
                return nil
            case .waiting(let continuation):
                state = .taken
                return continuation
            case .cancelled, .taken:
                return nil
            }
        }
        continuation?.resume(throwing: CancellationError())
    }
}

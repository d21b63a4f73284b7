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

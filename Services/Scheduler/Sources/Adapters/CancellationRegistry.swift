import Synchronization

/// Running executions that can be cancelled from outside (`POST …/cancel` → NOTIFY
/// `executions_cancelled` → here). A run waits on `cancelled(executionID:)` next to its agent
/// call; whichever finishes first wins.
final class CancellationRegistry: Sendable {
    private struct State {
        var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]
        var cancelled: Set<String> = []
        /// Executions already over: a waiter that registers late returns at once (the agent call
        /// can finish before its cancel waiter even starts).
        var finished: Set<String> = []
    }

    private let state = Mutex(State())

    /// Returns when the execution is cancelled (never otherwise; cancel the waiting task to stop waiting).
    func cancelled(executionID: String) async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.cancelled.contains(executionID) || state.finished.contains(executionID) { return true }
                state.waiters[executionID, default: []].append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func cancel(executionID: String) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.cancelled.insert(executionID)
            if state.cancelled.count > 10_000 { state.cancelled.removeAll() }
            return state.waiters.removeValue(forKey: executionID) ?? []
        }
        waiters.forEach { $0.resume() }
    }

    /// Releases any waiter of a finished execution, also one that registers later.
    func finished(executionID: String) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.cancelled.remove(executionID)
            if state.finished.count > 10_000 { state.finished.removeAll() }
            state.finished.insert(executionID)
            return state.waiters.removeValue(forKey: executionID) ?? []
        }
        waiters.forEach { $0.resume() }
    }
}

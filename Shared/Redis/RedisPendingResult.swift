import Synchronization

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

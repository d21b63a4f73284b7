public import Foundation
import Synchronization

/// Occurrence locks in memory with tokens and TTLs on the injected clock.
/// `mode` simulates Redis trouble.
public final class InMemoryLocker: OccurrenceLocker {
    public enum Mode: Sendable {
        case normal
        /// Every call throws (Redis down).
        case unavailable
        /// Every acquire answers "held by someone else".
        case alwaysHeld
    }

    private struct Holder {
        var token: String
        var expiresAt: Date
    }

    private struct State {
        var locks: [String: Holder] = [:]
        var nextToken = 0
        var mode: Mode
        var acquisitions = 0
    }

    private let clock: any SchedulerClock
    private let state: Mutex<State>

    public init(clock: any SchedulerClock, mode: Mode = .normal) {
        self.clock = clock
        state = Mutex(State(mode: mode))
    }

    public func setMode(_ mode: Mode) { state.withLock { $0.mode = mode } }
    /// Successful acquisitions so far.
    public var acquisitions: Int { state.withLock { $0.acquisitions } }
    public var heldCount: Int { state.withLock { $0.locks.count } }

    public static func key(scheduleID: String, scheduledFor: Date) -> String {
        "sundial:lock:schedule:\(scheduleID):\(Int64(scheduledFor.timeIntervalSince1970 * 1000))"
    }

    public func acquire(scheduleID: String, scheduledFor: Date, ttl: TimeInterval) async throws -> LockHandle? {
        let now = clock.now()
        return try state.withLock { state in
            switch state.mode {
            case .unavailable: throw InMemoryStoreError(message: "locker unavailable")
            case .alwaysHeld: return nil
            case .normal: break
            }
            let key = Self.key(scheduleID: scheduleID, scheduledFor: scheduledFor)
            if let holder = state.locks[key], holder.expiresAt > now { return nil }
            state.nextToken += 1
            let token = "token-\(state.nextToken)"
            state.locks[key] = Holder(token: token, expiresAt: now.addingTimeInterval(ttl))
            state.acquisitions += 1
            return LockHandle(key: key, token: token)
        }
    }

    public func release(_ handle: LockHandle) async throws {
        try state.withLock { state in
            if case .unavailable = state.mode { throw InMemoryStoreError(message: "locker unavailable") }
            if state.locks[handle.key]?.token == handle.token { state.locks[handle.key] = nil }
        }
    }
}

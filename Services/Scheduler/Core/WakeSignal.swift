import Foundation
import Synchronization

/// The engine loop's sleep: until a deadline on the injected clock, cut short
/// by `interrupt()` (a change arrived, earlier work appeared) or
/// `requestStop()`. Safe to call from any context.
final class WakeSignal: Sendable {
    private struct State {
        var sleeper: Task<Void, Never>?
        var interrupted = false
        var stopRequested = false
    }

    private let state = Mutex(State())

    var isStopRequested: Bool { state.withLock { $0.stopRequested } }

    func sleep(on clock: any SchedulerClock, until deadline: Date) async {
        let sleeper = Task<Void, Never> { _ = try? await clock.sleep(until: deadline) }
        let proceed = state.withLock { state in
            if state.interrupted || state.stopRequested {
                state.interrupted = false
                return false
            }
            state.sleeper = sleeper
            return true
        }
        if !proceed { sleeper.cancel() }
        await sleeper.value
        state.withLock { state in
            state.sleeper = nil
            state.interrupted = false
        }
    }

    /// Ends the current sleep now (or the next one at once if none is running).
    func interrupt() {
        let sleeper = state.withLock { state -> Task<Void, Never>? in
            if state.sleeper == nil { state.interrupted = true }
            return state.sleeper
        }
        sleeper?.cancel()
    }

    func requestStop() {
        state.withLock { $0.stopRequested = true }
        interrupt()
    }
}

/// Counters that let a test (or a debugger) tell when an engine has nothing
/// left to do until the clock moves: every task the engine owns is counted
/// in `liveTasks` while it exists, so with a manual clock the engine is idle
/// when `liveTasks` equals the engine's sleepers on that clock and every
/// change delivered to it has been received.
public final class SchedulerEngineActivity: Sendable {
    private struct Counts {
        var live = 0
        var changes = 0
        var started = false
    }

    private let counts = Mutex(Counts())

    public init() {}

    /// The run loop (while `run()` runs) plus every job task.
    public var liveTasks: Int { counts.withLock { $0.live } }
    /// Changes from `ScheduleSource.changes()` fully applied.
    public var changesReceived: Int { counts.withLock { $0.changes } }
    /// `run()` has begun.
    public var started: Bool { counts.withLock { $0.started } }

    func taskBegan() { counts.withLock { $0.live += 1 } }
    func taskEnded() { counts.withLock { $0.live -= 1 } }
    func changeReceived() { counts.withLock { $0.changes += 1 } }
    func markStarted() { counts.withLock { $0.started = true } }
}

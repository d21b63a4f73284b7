public import Foundation
import Synchronization

/// A runner whose behaviour a test scripts per call: how long the run takes
/// on the injected clock and how it ends. Records every call.
public final class ScriptedRunner: OccurrenceRunner {
    public struct Call: Sendable, Equatable {
        public var scheduleID: String
        public var executionID: String
        public var scheduledFor: Date
        public var attempt: Int
        public var startedAt: Date
    }

    public struct Step: Sendable {
        public var duration: TimeInterval
        public var outcome: RunOutcome

        public init(duration: TimeInterval = 0, outcome: RunOutcome = .success()) {
            self.duration = duration
            self.outcome = outcome
        }
    }

    private let clock: any SchedulerClock
    private let script: @Sendable (Call) -> Step
    private let state = Mutex<(calls: [Call], active: Int)>(([], 0))

    public init(clock: any SchedulerClock, script: @escaping @Sendable (Call) -> Step = { _ in Step() }) {
        self.clock = clock
        self.script = script
    }

    public var calls: [Call] { state.withLock { $0.calls } }
    /// Runs in progress.
    public var active: Int { state.withLock { $0.active } }

    public func run(_ definition: ScheduleDefinition, executionID: String, scheduledFor: Date, attempt: Int) async -> RunOutcome {
        let call = Call(scheduleID: definition.id, executionID: executionID, scheduledFor: scheduledFor, attempt: attempt, startedAt: clock.now())
        state.withLock {
            $0.calls.append(call)
            $0.active += 1
        }
        defer { state.withLock { $0.active -= 1 } }
        let step = script(call)
        if step.duration > 0 {
            do {
                try await clock.sleep(until: call.startedAt.addingTimeInterval(step.duration))
            } catch {
                return .cancelled(reason: "cancelled")
            }
        }
        return step.outcome
    }
}

public import Domain
public import Foundation
import Synchronization

/// The `executions` table in memory, with the same occurrence key as the
/// Postgres unique index: `(schedule_id, scheduled_for, attempt)` is unique
/// among rows triggered by `schedule`, `catchup` or `retry`.
public final class InMemoryOccurrenceStore: OccurrenceStore {
    public struct Row: Sendable, Equatable {
        public var executionID: String
        public var scheduleID: String
        public var scheduledFor: Date
        public var attempt: Int
        public var triggeredBy: TriggeredBy
        public var status: ExecutionStatus
        public var skipReason: SkipReason?
        public var workerID: String
        public var error: String?
    }

    private struct Key: Hashable {
        var scheduleID: String
        var scheduledFor: Date
        var attempt: Int
    }

    private struct State {
        var rows: [Row] = []
        var indexByID: [String: Int] = [:]
        var keys: Set<Key> = []
        /// Running rows per schedule.
        var running: [String: Int] = [:]
        var failing = false

        mutating func setStatus(_ status: ExecutionStatus, at index: Int) {
            let row = rows[index]
            if row.status == .running { running[row.scheduleID, default: 0] -= 1 }
            if status == .running { running[row.scheduleID, default: 0] += 1 }
            rows[index].status = status
        }

        func isRunning(_ scheduleID: String) -> Bool { (running[scheduleID] ?? 0) > 0 }
    }

    private let state = Mutex(State())

    public init() {}

    /// Every row, in insertion order.
    public var rows: [Row] { state.withLock { $0.rows } }

    /// Every operation throws while set (database down).
    public func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }

    /// A row inserted directly (e.g. a manual run or a row left by another process).
    public func insert(_ row: Row) {
        state.withLock { state in
            state.indexByID[row.executionID] = state.rows.count
            state.rows.append(row)
            if row.status == .running { state.running[row.scheduleID, default: 0] += 1 }
            if Self.isOccurrence(row.triggeredBy) {
                state.keys.insert(Key(scheduleID: row.scheduleID, scheduledFor: row.scheduledFor, attempt: row.attempt))
            }
        }
    }

    public func claim(
        scheduleID: String, scheduledFor: Date, attempt: Int, triggeredBy: TriggeredBy, workerID: String,
        exclusive: Bool
    ) async throws -> ClaimResult {
        try state.withLock { state in
            try Self.check(state)
            if Self.isOccurrence(triggeredBy),
                state.keys.contains(Key(scheduleID: scheduleID, scheduledFor: scheduledFor, attempt: attempt))
            {
                return .alreadyClaimed
            }
            if exclusive, state.isRunning(scheduleID) {
                return .busy
            }
            guard let id = Self.insert(
                &state, scheduleID: scheduleID, scheduledFor: scheduledFor, attempt: attempt,
                triggeredBy: triggeredBy, status: .running, reason: nil, workerID: workerID
            ) else { return .alreadyClaimed }
            return .claimed(executionID: id)
        }
    }

    public func recordSkipped(_ occurrences: [SkippedOccurrence], workerID: String) async throws -> Int {
        try state.withLock { state in
            try Self.check(state)
            var inserted = 0
            for skip in occurrences {
                let id = Self.insert(
                    &state, scheduleID: skip.scheduleID, scheduledFor: skip.scheduledFor, attempt: skip.attempt,
                    triggeredBy: skip.triggeredBy, status: .skipped, reason: skip.reason, workerID: workerID
                )
                if id != nil { inserted += 1 }
            }
            return inserted
        }
    }

    public func occurrenceExists(scheduleID: String, scheduledFor: Date, attempt: Int) async throws -> Bool {
        try state.withLock { state in
            try Self.check(state)
            return state.keys.contains(Key(scheduleID: scheduleID, scheduledFor: scheduledFor, attempt: attempt))
        }
    }

    public func isRunning(scheduleID: String) async throws -> Bool {
        try state.withLock { state in
            try Self.check(state)
            return state.isRunning(scheduleID)
        }
    }

    public func complete(executionID: String, workerID: String, outcome: RunOutcome) async throws -> Bool {
        try state.withLock { state in
            try Self.check(state)
            guard let index = state.indexByID[executionID], state.rows[index].workerID == workerID,
                state.rows[index].status == .running
            else { return false }
            state.setStatus(outcome.status, at: index)
            switch outcome {
            case .success: break
            case .failed(let error, _): state.rows[index].error = error
            case .cancelled(let reason): state.rows[index].error = reason
            }
            return true
        }
    }

    /// Marks a running row failed as crash recovery would ("scheduler lost").
    public func recover(executionID: String) {
        state.withLock { state in
            guard let index = state.indexByID[executionID], state.rows[index].status == .running else { return }
            state.setStatus(.failed, at: index)
            state.rows[index].error = "scheduler lost"
        }
    }

    private static func isOccurrence(_ triggeredBy: TriggeredBy) -> Bool {
        triggeredBy == .schedule || triggeredBy == .catchup || triggeredBy == .retry
    }

    private static func check(_ state: State) throws {
        if state.failing { throw InMemoryStoreError(message: "occurrence store unavailable") }
    }

    private static func insert(
        _ state: inout State, scheduleID: String, scheduledFor: Date, attempt: Int, triggeredBy: TriggeredBy,
        status: ExecutionStatus, reason: SkipReason?, workerID: String
    ) -> String? {
        if isOccurrence(triggeredBy) {
            let key = Key(scheduleID: scheduleID, scheduledFor: scheduledFor, attempt: attempt)
            guard state.keys.insert(key).inserted else { return nil }
        }
        let id = "exec-\(state.rows.count + 1)"
        state.indexByID[id] = state.rows.count
        if status == .running { state.running[scheduleID, default: 0] += 1 }
        state.rows.append(Row(
            executionID: id, scheduleID: scheduleID, scheduledFor: scheduledFor, attempt: attempt,
            triggeredBy: triggeredBy, status: status, skipReason: reason, workerID: workerID, error: nil
        ))
        return id
    }
}

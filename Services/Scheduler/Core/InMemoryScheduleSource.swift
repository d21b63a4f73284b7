public import Foundation
import Synchronization

/// A schedule table in memory. Every write notifies every subscriber, like
/// the `schedules_changed` trigger; `scheduleCompleted` disables the
/// schedule (bumping its revision, as the database does).
public final class InMemoryScheduleSource: ScheduleSource {
    private struct State {
        var schedules: [String: ScheduleDefinition] = [:]
        var subscribers: [UInt64: AsyncStream<ScheduleChange>.Continuation] = [:]
        var nextSubscriber: UInt64 = 0
        var delivered = 0
        var completions: [ScheduleCompletion] = []
        var failLoads = false
        var notifies = true
    }

    private let state = Mutex(State())

    public init(_ schedules: [ScheduleDefinition] = []) {
        state.withLock { state in
            for schedule in schedules { state.schedules[schedule.id] = schedule }
        }
    }

    /// Changes handed to subscribers so far (each subscriber counts).
    public var deliveredChanges: Int { state.withLock { $0.delivered } }
    /// Completions reported by engines, in order.
    public var completions: [ScheduleCompletion] { state.withLock { $0.completions } }
    public func schedule(_ id: String) -> ScheduleDefinition? { state.withLock { $0.schedules[id] } }

    /// `loadEnabled` throws while set (database down).
    public func setFailingLoads(_ failing: Bool) { state.withLock { $0.failLoads = failing } }
    /// While false, writes are not announced (a lost NOTIFY): only a resync sees them.
    public func setNotifies(_ notifies: Bool) { state.withLock { $0.notifies = notifies } }

    /// Stores `definition` as is and announces it.
    public func put(_ definition: ScheduleDefinition) {
        publish(.upsert(definition)) { $0.schedules[definition.id] = definition }
    }

    /// A user-visible edit: applies `change`, bumps the revision and sets
    /// `updatedAt`. Returns the new definition.
    @discardableResult
    public func edit(_ id: String, at updatedAt: Date, _ change: (inout ScheduleDefinition) -> Void) -> ScheduleDefinition? {
        guard var definition = schedule(id) else { return nil }
        change(&definition)
        definition.revision += 1
        definition.updatedAt = updatedAt
        put(definition)
        return definition
    }

    public func delete(_ id: String) {
        publish(.removed(id: id)) { $0.schedules[id] = nil }
    }

    /// Announces `.resyncRequested` (a listener reconnect).
    public func requestResync() { publish(.resyncRequested) { _ in } }

    public func loadEnabled() async throws -> [ScheduleDefinition] {
        try state.withLock { state in
            if state.failLoads { throw InMemoryStoreError(message: "schedule source unavailable") }
            return state.schedules.values.filter(\.enabled).sorted { $0.id < $1.id }
        }
    }

    public func changes() -> AsyncStream<ScheduleChange> {
        let (stream, continuation) = AsyncStream<ScheduleChange>.makeStream()
        let id = state.withLock { state -> UInt64 in
            defer { state.nextSubscriber += 1 }
            state.subscribers[state.nextSubscriber] = continuation
            return state.nextSubscriber
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    public func scheduleCompleted(_ completion: ScheduleCompletion) async throws {
        state.withLock { $0.completions.append(completion) }
        guard var definition = schedule(completion.scheduleID), definition.enabled,
            definition.revision == completion.revision
        else { return }
        definition.enabled = false
        definition.revision += 1
        put(definition)
    }

    private func publish(_ change: ScheduleChange, _ write: (inout State) -> Void) {
        state.withLock { state in
            write(&state)
            guard state.notifies else { return }
            for continuation in state.subscribers.values {
                if case .enqueued = continuation.yield(change) { state.delivered += 1 }
            }
        }
    }
}

/// Failure injected into an in-memory store, source or locker.
public struct InMemoryStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

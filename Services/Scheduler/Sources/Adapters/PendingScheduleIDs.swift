import Synchronization

/// Ids of changed schedules waiting to be read, in arrival order without repeats.
final class PendingScheduleIDs: Sendable {
    private struct State {
        var order: [String] = []
        var members: Set<String> = []
    }

    private let state = Mutex(State())

    func add(_ id: String) {
        state.withLock { state in
            if state.members.insert(id).inserted { state.order.append(id) }
        }
    }

    /// Removes and returns up to `max` ids, oldest first.
    func take(max: Int) -> [String] {
        state.withLock { state in
            let batch = Array(state.order.prefix(max))
            state.order.removeFirst(batch.count)
            for id in batch { state.members.remove(id) }
            return batch
        }
    }
}

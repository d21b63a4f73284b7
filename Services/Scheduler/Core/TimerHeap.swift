public import Foundation

/// A min-heap of timers keyed by `ID`, at most one live timer per ID.
///
/// Re-scheduling or cancelling an ID does not search the heap: the old entry
/// stays and is recognized as stale (its sequence number is no longer the
/// live one) and discarded when it reaches the top. Push and pop are
/// O(log n); stale entries are compacted away when they outnumber live ones.
/// Equal fire instants pop in `ID` order, then scheduling order, so the order
/// never depends on insertion history of other IDs.
public struct TimerHeap<ID: Hashable & Comparable & Sendable>: Sendable {
    public struct Timer: Sendable, Hashable {
        public var fireAt: Date
        public var id: ID
        /// The schedule revision the timer was computed from (informational).
        public var revision: Int64

        public init(fireAt: Date, id: ID, revision: Int64) {
            self.fireAt = fireAt
            self.id = id
            self.revision = revision
        }
    }

    private struct Entry: Sendable {
        var timer: Timer
        var sequence: UInt64

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            if lhs.timer.fireAt != rhs.timer.fireAt { return lhs.timer.fireAt < rhs.timer.fireAt }
            if lhs.timer.id != rhs.timer.id { return lhs.timer.id < rhs.timer.id }
            return lhs.sequence < rhs.sequence
        }
    }

    private var heap: [Entry] = []
    private var live: [ID: Entry] = [:]
    private var nextSequence: UInt64 = 0

    public init() {}

    /// Live timers.
    public var count: Int { live.count }
    public var isEmpty: Bool { live.isEmpty }
    /// Entries physically held, stale ones included (for tests and metrics).
    public var storedCount: Int { heap.count }

    /// The live timer of `id`.
    public func timer(for id: ID) -> Timer? { live[id]?.timer }

    /// Sets the timer of `id` to `fireAt`, replacing any previous one.
    public mutating func schedule(_ id: ID, at fireAt: Date, revision: Int64 = 0) {
        let entry = Entry(timer: Timer(fireAt: fireAt, id: id, revision: revision), sequence: nextSequence)
        nextSequence &+= 1
        live[id] = entry
        push(entry)
        compactIfNeeded()
    }

    /// Removes the timer of `id`, if any.
    public mutating func cancel(_ id: ID) {
        live[id] = nil
        compactIfNeeded()
    }

    /// The earliest live timer.
    public mutating func peek() -> Timer? {
        dropStaleTop()
        return heap.first?.timer
    }

    /// Removes and returns the earliest live timer.
    public mutating func pop() -> Timer? {
        dropStaleTop()
        guard let top = popTop() else { return nil }
        live[top.timer.id] = nil
        return top.timer
    }

    /// Removes and returns every live timer with `fireAt <= now`, earliest first.
    public mutating func popDue(now: Date) -> [Timer] {
        var due: [Timer] = []
        while let top = peek(), top.fireAt <= now, let timer = pop() {
            due.append(timer)
        }
        return due
    }

    private func isLive(_ entry: Entry) -> Bool { live[entry.timer.id]?.sequence == entry.sequence }

    private mutating func dropStaleTop() {
        while let top = heap.first, !isLive(top) { _ = popTop() }
    }

    private mutating func compactIfNeeded() {
        guard heap.count > 64, heap.count > 2 * live.count else { return }
        heap = live.values.sorted { $0 < $1 }  // a sorted array is a valid heap
    }

    private mutating func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child] < heap[parent] else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popTop() -> Entry? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left] < heap[smallest] { smallest = left }
            if right < heap.count, heap[right] < heap[smallest] { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}

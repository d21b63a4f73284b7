import Cron
import Foundation

/// Bounded enumeration of the occurrences of a trigger in `(after, through]`:
/// the newest `keep` of them and how many there are.
///
/// Forward enumeration (batched `Trigger.next(after:count:)`) counts exactly
/// up to `budget` occurrences. When there are more, the newest ones are found
/// by scanning windows ending at `through` whose length doubles until one
/// holds `keep` occurrences (or reaches back to where the forward scan
/// stopped); occurrences between the two scans are not counted and the count
/// is reported as a lower bound. Work is therefore bounded by roughly
/// `2 * budget` fire-time computations whatever the downtime was.
struct OccurrenceScan: Equatable {
    /// The newest occurrences found, oldest first (at most `keep`).
    var recent: [Date]
    /// Occurrences counted (all of them when `isExact`).
    var count: Int
    /// `count` is the number of occurrences in the range.
    var isExact: Bool

    static let batchSize = 512

    static func scan(_ trigger: Trigger, after: Date, through: Date, keep: Int, budget: Int) -> OccurrenceScan {
        guard through > after else { return OccurrenceScan(recent: [], count: 0, isExact: true) }
        let forward = enumerate(trigger, after: after, through: through, keep: keep, budget: budget)
        guard forward.capped, let stoppedAt = forward.last else {
            return OccurrenceScan(recent: forward.ring.ordered(), count: forward.count, isExact: true)
        }
        // Too many to count: find the newest `keep` with doubling windows.
        var window = max(TimeInterval(keep) * 60, forward.ring.span * 2, 3_600)
        while true {
            let from = max(stoppedAt, through.addingTimeInterval(-window))
            let tail = enumerate(trigger, after: from, through: through, keep: keep, budget: budget)
            if from == stoppedAt && !tail.capped {
                var merged = forward.ring
                for date in tail.ring.ordered() { merged.append(date) }
                return OccurrenceScan(recent: merged.ordered(), count: forward.count + tail.count, isExact: true)
            }
            if tail.count >= keep || from == stoppedAt {
                return OccurrenceScan(recent: tail.ring.ordered(), count: forward.count + tail.count, isExact: false)
            }
            window *= 2
        }
    }

    private struct Pass {
        var ring: Ring
        var count = 0
        var last: Date?
        var capped = false
    }

    private static func enumerate(_ trigger: Trigger, after: Date, through: Date, keep: Int, budget: Int) -> Pass {
        var pass = Pass(ring: Ring(capacity: keep))
        var cursor = after
        // Usually one or two occurrences are due: start small, grow for backlogs.
        var size = 4
        while pass.count < budget {
            let want = min(size, budget - pass.count)
            size = min(size * 4, batchSize)
            let batch = trigger.next(after: cursor, count: want)
            for date in batch {
                if date > through { return pass }
                pass.ring.append(date)
                pass.count += 1
                pass.last = date
            }
            guard batch.count == want, let last = batch.last else { return pass }
            cursor = last
        }
        // Budget spent: capped only if another occurrence is still due.
        if let following = trigger.next(after: cursor), following <= through { pass.capped = true }
        return pass
    }
}

/// The newest `capacity` dates appended, in a fixed buffer.
struct Ring: Equatable {
    private var storage: [Date] = []
    private var start = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = max(capacity, 0) }

    mutating func append(_ date: Date) {
        guard capacity > 0 else { return }
        if storage.count < capacity {
            storage.append(date)
        } else {
            storage[start] = date
            start = (start + 1) % capacity
        }
    }

    func ordered() -> [Date] { Array(storage[start...] + storage[..<start]) }

    /// Time between the oldest and newest date held.
    var span: TimeInterval {
        let dates = ordered()
        guard let first = dates.first, let last = dates.last else { return 0 }
        return last.timeIntervalSince(first)
    }
}

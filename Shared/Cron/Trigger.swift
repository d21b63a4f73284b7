public import Foundation

/// When a schedule fires: a cron expression in a zone, once at an instant, or
/// every N seconds in absolute time.
public enum Trigger: Sendable, Hashable {
    case cron(CronSchedule)
    /// Fires at `run_at` only.
    case once(Date)
    /// Fires at `start + k * seconds` for k >= 0, unaffected by DST.
    case interval(seconds: Int, start: Date)

    /// The first fire instant strictly after `after`, or nil when there is none.
    public func next(after: Date) -> Date? {
        switch self {
        case .cron(let schedule):
            schedule.next(after: after)
        case .once(let runAt):
            runAt > after ? runAt : nil
        case .interval(let seconds, let start):
            Self.nextInterval(after: after, every: seconds, from: start)
        }
    }

    /// Up to `count` fire instants strictly after `after`, increasing.
    public func next(after: Date, count: Int) -> [Date] {
        guard count > 0 else { return [] }
        switch self {
        case .cron(let schedule):
            return schedule.next(after: after, count: count)
        case .once(let runAt):
            return runAt > after ? [runAt] : []
        case .interval(let seconds, let start):
            guard let first = Self.nextInterval(after: after, every: seconds, from: start) else { return [] }
            let firstIndex = ((first.timeIntervalSince(start)) / Double(seconds)).rounded()
            return (0..<count).map { start.addingTimeInterval((firstIndex + Double($0)) * Double(seconds)) }
        }
    }

    private static func nextInterval(after: Date, every seconds: Int, from start: Date) -> Date? {
        guard seconds > 0, after.timeIntervalSince1970.isFinite, start.timeIntervalSince1970.isFinite else { return nil }
        guard after >= start else { return start }
        let period = Double(seconds)
        var index = (after.timeIntervalSince(start) / period).rounded(.down) + 1
        // Guard against rounding in the division: the result must be > after.
        while start.addingTimeInterval((index - 1) * period) > after { index -= 1 }
        while start.addingTimeInterval(index * period) <= after { index += 1 }
        return start.addingTimeInterval(index * period)
    }
}

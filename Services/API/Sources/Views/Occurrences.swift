import Cron
import Domain
import Foundation

/// Future fire instants of schedules, from the same cron engine the scheduler uses.
enum Occurrences {
    struct Item: Sendable {
        var schedule: Schedule
        var at: Date
    }

    /// Occurrences in `[from, to)` of the enabled schedules, earliest first, at most `limit`.
    static func upcoming(_ schedules: [Schedule], from: Date, to: Date, limit: Int, now: Date) -> [Item] {
        var items: [Item] = []
        for schedule in schedules where schedule.enabled {
            guard let trigger = try? ScheduleFields(schedule).validated(now: now) else { continue }
            var cursor = from.addingTimeInterval(-0.001)
            var count = 0
            while count < limit, let next = trigger.next(after: cursor), next < to {
                if let end = schedule.endAt, next > end { break }
                if case .once = trigger, schedule.lastRunAt != nil { break }
                items.append(Item(schedule: schedule, at: next))
                cursor = next
                count += 1
            }
        }
        items.sort { ($0.at, $0.schedule.id) < ($1.at, $1.schedule.id) }
        return Array(items.prefix(limit))
    }
}

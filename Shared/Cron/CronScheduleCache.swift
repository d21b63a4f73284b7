import Foundation
import Synchronization

/// Parsed schedules by (expression, zone). Many schedules share an expression ("0 9 * * 1-5"
/// in one zone), and a scheduler loading 100,000 of them parses each distinct pair once.
/// Bounded: emptied when full (the next loads refill it).
enum CronScheduleCache {
    private struct Key: Hashable {
        var expression: String
        var timeZone: String
    }

    private static let entries = Mutex<[Key: CronSchedule]>([:])
    static let limit = 20_000

    static func schedule(expression: String, timeZoneIdentifier: String) throws(CronError) -> CronSchedule {
        let key = Key(expression: expression, timeZone: timeZoneIdentifier)
        if let cached = entries.withLock({ $0[key] }) { return cached }
        let parsed = try CronExpression(parsing: expression)
        let schedule = CronSchedule(expression: parsed, timeZone: try CronTimeZone.resolve(timeZoneIdentifier))
        entries.withLock { entries in
            if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
            entries[key] = schedule
        }
        return schedule
    }
}

import Cron
import Foundation

extension Schedule {
    /// English text for when the schedule fires, shown as `cron_description`:
    /// `At 09:00, Monday through Friday` (cron), `Once, on 2026-12-01 at 14:00`
    /// (one-time, in the schedule's zone), `Every 15 minutes` (interval).
    public var firingDescription: String? {
        switch trigger {
        case .cron:
            guard let cronExpression, let expression = try? CronExpression(parsing: cronExpression) else { return nil }
            return expression.humanDescription
        case .once:
            guard let local = runAtLocal else { return nil }
            return "Once, on \(local.prefix(10)) at \(local.suffix(5))"
        case .interval:
            guard let intervalSeconds else { return nil }
            return Self.describeInterval(intervalSeconds)
        }
    }

    /// A one-time schedule's `run_at` as wall-clock time in its zone (`2026-12-01T14:00`).
    public var runAtLocal: String? {
        guard trigger == .once, let runAt, let zone = try? CronTimeZone.resolve(timezone) else { return nil }
        return LocalDateTime(runAt, in: zone).description
    }

    static func describeInterval(_ seconds: Int) -> String {
        let units: [(Int, String)] = [(86_400, "day"), (3_600, "hour"), (60, "minute"), (1, "second")]
        for (size, name) in units where seconds % size == 0 {
            let count = seconds / size
            return count == 1 ? "Every \(name)" : "Every \(count) \(name)s"
        }
        return "Every \(seconds) seconds"
    }
}

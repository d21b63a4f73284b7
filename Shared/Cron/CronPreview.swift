public import Foundation

/// What `GET /api/cron/preview` answers: the next runs and the description.
public enum CronPreview {
    /// The API's largest `count`; larger requests are cut to it.
    public static let maxCount = 100
    /// The API's `count` when none is given.
    public static let defaultCount = 5

    /// The next `count` (at most `maxCount`) fire instants strictly after
    /// `after` and the human description, or the parse / time zone error.
    public static func preview(
        expression: String, timezone: String, after: Date, count: Int
    ) throws(CronError) -> (runs: [Date], description: String) {
        let schedule = try CronSchedule(expression: expression, timeZoneIdentifier: timezone)
        let runs = schedule.next(after: after, count: min(max(count, 0), maxCount))
        return (runs, schedule.expression.humanDescription)
    }
}

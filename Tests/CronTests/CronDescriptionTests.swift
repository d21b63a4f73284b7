import Cron
import Foundation
import Testing

@Suite("Human descriptions and preview")
struct CronDescriptionTests {
    @Test("descriptions", arguments: [
        ("0 9 * * 1-5", "At 09:00, Monday through Friday"),
        ("*/15 * * * *", "Every 15 minutes"),
        ("* * * * *", "Every minute"),
        ("0 * * * *", "Every hour"),
        ("@hourly", "Every hour"),
        ("@daily", "At 00:00"),
        ("@weekly", "At 00:00, only on Sunday"),
        ("@monthly", "At 00:00, on day 1 of the month"),
        ("@yearly", "At 00:00, on day 1 of the month, only in January"),
        ("30 2 1 * *", "At 02:30, on day 1 of the month"),
        ("15 14 1 * 5", "At 14:15, on day 1 of the month, or on Friday"),
        ("0 0 29 2 1", "At 00:00, on day 29 of the month, or on Monday, only in February"),
        ("0 0 */2 * MON", "At 00:00, every 2 days of the month, only on Monday"),
        ("0 9,17 * * *", "At 09:00 and 17:00"),
        ("*/5 9-17 * * *", "Every 5 minutes, between 09:00 and 17:59"),
        ("0 */2 * * *", "Every 2 hours"),
        ("15 */3 * * *", "At 15 minutes past the hour, every 3 hours"),
        ("30 * * * *", "At 30 minutes past the hour"),
        ("0 9-17 * * *", "Every hour from 09:00 through 17:00"),
        ("0-10 * * * *", "Every minute from 0 through 10 past the hour"),
        ("0 12 * * SAT,SUN", "At 12:00, on Saturday and Sunday"),
        ("0 0 1-7 * */2", "At 00:00, on days 1 through 7 of the month, if it is a Tuesday, Thursday, Saturday or Sunday"),
        ("0 8 * 1-3 *", "At 08:00, January through March"),
        ("0 0 1 1,7 *", "At 00:00, on day 1 of the month, in January and July"),
        ("0,30 8-18 * * 1-5", "At minutes 0 and 30 past the hour, between 08:00 and 18:59, Monday through Friday"),
    ])
    func describes(expression: String, expected: String) throws {
        #expect(try CronExpression(parsing: expression).humanDescription == expected)
    }

    @Test("preview returns runs and description")
    func preview() throws {
        let result = try CronPreview.preview(
            expression: "30 2 * * *", timezone: "America/New_York", after: instant("2024-03-10T07:10:00Z"), count: 2)
        #expect(result.runs.map(InstantFormat.string) == ["2024-03-10T07:30:00Z", "2024-03-11T06:30:00Z"])
        #expect(result.description == "At 02:30")
        let many = try CronPreview.preview(expression: "* * * * *", timezone: "UTC", after: .now, count: 1_000)
        #expect(many.runs.count == CronPreview.maxCount)
    }

    @Test("preview errors carry the API code")
    func previewErrors() {
        #expect(throws: CronError(field: "timezone", token: "Mars/Base", message: "timezone: unknown time zone \"Mars/Base\"", kind: .invalidTimeZone)) {
            try CronPreview.preview(expression: "0 9 * * *", timezone: "Mars/Base", after: .now, count: 5)
        }
        #expect {
            try CronPreview.preview(expression: "0 0 30 2 *", timezone: "UTC", after: .now, count: 5)
        } throws: { error in
            (error as? CronError)?.message == "day-of-month/month: can never fire (30 February)"
        }
    }
}

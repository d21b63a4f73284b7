import Cron
import Foundation
import Testing

@Suite("Fire times")
struct CronScheduleTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var expression: String
        var after: String
        var expected: [String]
        var testDescription: String { "\(expression) after \(after)" }
    }

    static let utcCases: [Case] = [
        Case(expression: "*/5 * * * *", after: "2024-01-01T00:00:00Z",
             expected: ["2024-01-01T00:05:00Z", "2024-01-01T00:10:00Z"]),
        Case(expression: "*/5 * * * *", after: "2024-01-01T00:04:59.999Z", expected: ["2024-01-01T00:05:00Z"]),
        Case(expression: "0 9 * * 1-5", after: "2024-01-05T09:00:00Z",  // a Friday, exactly at fire time
             expected: ["2024-01-08T09:00:00Z", "2024-01-09T09:00:00Z"]),
        Case(expression: "59 23 31 12 *", after: "2024-12-31T23:59:00Z", expected: ["2025-12-31T23:59:00Z"]),
        // Vixie rule: */2 starts with * -> AND ("odd days that are Mondays").
        Case(expression: "0 0 */2 * MON", after: "2024-01-01T00:00:00Z",
             expected: ["2024-01-15T00:00:00Z", "2024-01-29T00:00:00Z", "2024-02-05T00:00:00Z", "2024-02-19T00:00:00Z"]),
        // Both restricted -> OR.
        Case(expression: "15 14 1 * 5", after: "2024-01-01T00:00:00Z",
             expected: ["2024-01-01T14:15:00Z", "2024-01-05T14:15:00Z", "2024-01-12T14:15:00Z", "2024-01-19T14:15:00Z",
                        "2024-01-26T14:15:00Z", "2024-02-01T14:15:00Z", "2024-02-02T14:15:00Z"]),
        Case(expression: "0 0 1-31 * MON", after: "2024-01-01T00:00:00Z",
             expected: ["2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z", "2024-01-04T00:00:00Z"]),
        Case(expression: "0 0 29 2 1", after: "2024-01-01T00:00:00Z",  // Feb 29 OR Mondays in February
             expected: ["2024-02-05T00:00:00Z", "2024-02-12T00:00:00Z", "2024-02-19T00:00:00Z", "2024-02-26T00:00:00Z",
                        "2024-02-29T00:00:00Z", "2025-02-03T00:00:00Z"]),
        // Feb 29 and month ends.
        Case(expression: "0 0 29 2 *", after: "2024-03-01T00:00:00Z",
             expected: ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z", "2036-02-29T00:00:00Z"]),
        Case(expression: "0 0 29 2 *", after: "2096-03-01T00:00:00Z", expected: ["2104-02-29T00:00:00Z"]),  // 2100 is not leap
        Case(expression: "0 0 29 2 */7", after: "2024-03-01T00:00:00Z", expected: ["2032-02-29T00:00:00Z"]),  // and a Sunday
        Case(expression: "0 0 31 * *", after: "2024-01-31T00:00:00Z",
             expected: ["2024-03-31T00:00:00Z", "2024-05-31T00:00:00Z", "2024-07-31T00:00:00Z", "2024-08-31T00:00:00Z"]),
        Case(expression: "0 0 30 * *", after: "2024-01-30T00:00:00Z", expected: ["2024-03-30T00:00:00Z"]),
        Case(expression: "0 0 29 * *", after: "2023-01-29T00:00:00Z", expected: ["2023-03-29T00:00:00Z"]),
        Case(expression: "0 0 28-31 2 *", after: "2023-02-27T00:00:00Z",
             expected: ["2023-02-28T00:00:00Z", "2024-02-28T00:00:00Z", "2024-02-29T00:00:00Z"]),
        Case(expression: "0 12 31 4,6,9,11,12 *", after: "2024-01-01T00:00:00Z", expected: ["2024-12-31T12:00:00Z"]),
        Case(expression: "0 0 1 1 *", after: "2023-12-31T23:59:59Z", expected: ["2024-01-01T00:00:00Z"]),
        Case(expression: "@weekly", after: "2024-01-01T00:00:00Z", expected: ["2024-01-07T00:00:00Z"]),
        Case(expression: "0 0 * * 7", after: "2024-01-01T00:00:00Z", expected: ["2024-01-07T00:00:00Z"]),
        // Year 9999 is the end of the calendar here.
        Case(expression: "0 0 1 1 *", after: "9998-06-01T00:00:00Z", expected: ["9999-01-01T00:00:00Z"]),
    ]

    @Test("UTC fire times", arguments: utcCases)
    func utc(_ testCase: Case) throws {
        let runs = try fireTimes(testCase.expression, "UTC", after: testCase.after, count: testCase.expected.count + 1)
        #expect(Array(runs.prefix(testCase.expected.count)) == testCase.expected)
        if testCase.after.hasPrefix("9998") { #expect(runs.count == 1) }
    }

    @Test("the search stops 30 years after `after`")
    func horizon() throws {
        let runs = try fireTimes("0 0 1 1 *", "UTC", after: "2024-06-01T00:00:00Z", count: 100)
        #expect(runs.count == 30)
        #expect(runs.last == "2054-01-01T00:00:00Z")
        // Feb 29 on a Sunday (AND rule): 2032, 2060, 2088, then 2128 (2100 is
        // not a leap year), 40 years later: beyond the horizon.
        let schedule = try CronSchedule(expression: "0 0 29 2 */7", timeZoneIdentifier: "UTC")
        #expect(schedule.next(after: instant("2088-03-01T00:00:00Z")) == nil)
        #expect(schedule.next(after: instant("2100-01-01T00:00:00Z")).map(InstantFormat.string) == "2128-02-29T00:00:00Z")
        #expect(schedule.next(after: instant("2032-03-01T00:00:00Z"), count: 3).map(InstantFormat.string)
            == ["2060-02-29T00:00:00Z"])
    }

    @Test("count semantics: 0 or negative gives nothing, results strictly increase")
    func counts() throws {
        let schedule = try CronSchedule(expression: "*/7 * * * *", timeZoneIdentifier: "Europe/Berlin")
        let after = instant("2024-10-27T00:00:00Z")
        #expect(schedule.next(after: after, count: 0).isEmpty)
        #expect(schedule.next(after: after, count: -3).isEmpty)
        let runs = schedule.next(after: after, count: 500)
        #expect(runs.count == 500)
        #expect(zip(runs, runs.dropFirst()).allSatisfy { $0 < $1 })
        #expect(runs.allSatisfy { $0 > after })
    }

    @Test("instants far outside the calendar do not crash")
    func extremes() throws {
        let schedule = try CronSchedule(expression: "0 0 1 1 *", timeZoneIdentifier: "America/New_York")
        #expect(schedule.next(after: .distantFuture.addingTimeInterval(1e12)) == nil)
        #expect(schedule.next(after: Date(timeIntervalSince1970: .infinity)) == nil)
        #expect(schedule.next(after: Date(timeIntervalSince1970: .nan)) == nil)
        let first = schedule.next(after: .distantPast)
        #expect(first != nil)
        #expect(schedule.next(after: Date(timeIntervalSince1970: -.infinity)) != nil)
    }

    @Test("schedules in many zones are safe to use from many threads at once")
    func concurrentUse() async throws {
        let zones = ["America/New_York", "Europe/Berlin", "Pacific/Chatham", "Australia/Lord_Howe", "Asia/Beirut"]
        let schedules = try zones.map { try CronSchedule(expression: "*/10 0-3 * * *", timeZoneIdentifier: $0) }
        let start = instant("1995-01-01T00:00:00Z")
        let expected = schedules.map { $0.next(after: start, count: 2_000) }
        let results = await withTaskGroup(of: (Int, [Date]).self) { group in
            for task in 0..<16 {
                group.addTask {
                    let index = task % schedules.count
                    // Start far away from the cached range too, to widen tables concurrently.
                    _ = schedules[index].next(after: instant("2090-01-01T00:00:00Z").addingTimeInterval(Double(task) * 1e7))
                    return (index, schedules[index].next(after: start, count: 2_000))
                }
            }
            var collected: [(Int, [Date])] = []
            for await result in group { collected.append(result) }
            return collected
        }
        #expect(results.count == 16)
        for (index, runs) in results { #expect(runs == expected[index]) }
    }

    @Test("equal expression and zone make equal schedules")
    func equality() throws {
        let a = try CronSchedule(expression: "0 9 * * *", timeZoneIdentifier: "Europe/Berlin")
        let b = try CronSchedule(expression: "0 9 * * *", timeZoneIdentifier: "Europe/Berlin")
        let c = try CronSchedule(expression: "0 9 * * *", timeZoneIdentifier: "Europe/London")
        #expect(a == b)
        #expect(a != c)
        #expect(Set([a, b, c]).count == 2)
    }
}

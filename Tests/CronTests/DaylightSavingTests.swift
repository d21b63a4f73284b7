import Cron
import Testing

/// CRON.md's fire-time rule around UTC-offset changes, with hand-checked
/// expectations (local times in the comments).
@Suite("Daylight-saving time and other offset changes")
struct DaylightSavingTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var expression: String
        var zone: String
        var after: String
        var expected: [String]
        var why: String
        var testDescription: String { "\(expression) in \(zone) after \(after): \(why)" }
    }

    static let cases: [Case] = [
        // America/New_York: 2024-03-10 02:00 EST -> 03:00 EDT (07:00Z); 2024-11-03 02:00 EDT -> 01:00 EST (06:00Z).
        Case(expression: "30 2 * * *", zone: "America/New_York", after: "2024-03-10T07:10:00Z",
             expected: ["2024-03-10T07:30:00Z"], why: "gap time earlier on the wall than after still fires (CRON.md)"),
        Case(expression: "30 2 * * *", zone: "America/New_York", after: "2024-03-09T00:00:00Z",
             expected: ["2024-03-09T07:30:00Z", "2024-03-10T07:30:00Z", "2024-03-11T06:30:00Z"],
             why: "02:30 on spring-forward day fires at 03:30 EDT, never skipped"),
        Case(expression: "*/15 1 * * *", zone: "America/New_York", after: "2024-11-03T04:00:00Z",
             expected: ["2024-11-03T05:00:00Z", "2024-11-03T05:15:00Z", "2024-11-03T05:30:00Z", "2024-11-03T05:45:00Z",
                        "2024-11-04T06:00:00Z"],
             why: "repeated hour fires 4 times, at the first occurrence, not 8"),
        Case(expression: "30 2,3 * * *", zone: "America/New_York", after: "2024-03-10T05:00:00Z",
             expected: ["2024-03-10T07:30:00Z", "2024-03-11T06:30:00Z", "2024-03-11T07:30:00Z"],
             why: "02:30 and 03:30 both map to 07:30Z: fires once"),
        Case(expression: "0 * * * *", zone: "America/New_York", after: "2024-03-10T05:30:00Z",
             expected: ["2024-03-10T06:00:00Z", "2024-03-10T07:00:00Z", "2024-03-10T08:00:00Z"],
             why: "02:00 -> 03:00 EDT; the real 03:00 is not later and does not fire"),
        Case(expression: "*/20 2-3 * * *", zone: "America/New_York", after: "2024-03-10T05:00:00Z",
             expected: ["2024-03-10T07:00:00Z", "2024-03-10T07:20:00Z", "2024-03-10T07:40:00Z", "2024-03-11T06:00:00Z"],
             why: "shifted 02:xx runs cover 03:00-03:40 EDT, which then do not fire"),
        Case(expression: "* * * * *", zone: "America/New_York", after: "2024-11-03T05:58:00Z",
             expected: ["2024-11-03T05:59:00Z", "2024-11-03T07:00:00Z", "2024-11-03T07:01:00Z"],
             why: "every-minute job does not re-run the repeated hour"),
        Case(expression: "0 2 * * *", zone: "America/New_York", after: "2024-11-02T12:00:00Z",
             expected: ["2024-11-03T07:00:00Z", "2024-11-04T07:00:00Z"], why: "02:00 EST after fall-back"),
        // Europe/Berlin: 2024-03-31 02:00 -> 03:00 (01:00Z); 2024-10-27 03:00 -> 02:00 (01:00Z).
        Case(expression: "30 2 * * *", zone: "Europe/Berlin", after: "2024-03-30T12:00:00Z",
             expected: ["2024-03-31T01:30:00Z", "2024-04-01T00:30:00Z"], why: "gap 02:30 -> 03:30 CEST"),
        Case(expression: "30 2 * * *", zone: "Europe/Berlin", after: "2024-10-26T12:00:00Z",
             expected: ["2024-10-27T00:30:00Z", "2024-10-28T01:30:00Z"], why: "ambiguous 02:30 -> CEST, first"),
        // Europe/London: 2024-03-31 01:00 -> 02:00 (01:00Z); 2024-10-27 02:00 -> 01:00 (01:00Z).
        Case(expression: "30 1 * * *", zone: "Europe/London", after: "2024-03-30T12:00:00Z",
             expected: ["2024-03-31T01:30:00Z", "2024-04-01T00:30:00Z"], why: "gap 01:30 GMT -> 02:30 BST"),
        Case(expression: "0,30 1 * * *", zone: "Europe/London", after: "2024-10-26T12:00:00Z",
             expected: ["2024-10-27T00:00:00Z", "2024-10-27T00:30:00Z", "2024-10-28T01:00:00Z"], why: "ambiguous hour in BST"),
        // Australia/Lord_Howe: 30-minute DST. 2023-10-01 02:00 -> 02:30 (+10:30 -> +11);
        // 2024-04-07 02:00 -> 01:30 (+11 -> +10:30).
        Case(expression: "*/15 2 * * *", zone: "Australia/Lord_Howe", after: "2023-09-30T12:00:00Z",
             expected: ["2023-09-30T15:30:00Z", "2023-09-30T15:45:00Z", "2023-10-01T15:00:00Z"],
             why: "02:00/02:15 shift by 30 min; the real 02:30/02:45 are not later"),
        Case(expression: "45 1 * * *", zone: "Australia/Lord_Howe", after: "2024-04-06T00:00:00Z",
             expected: ["2024-04-06T14:45:00Z", "2024-04-07T15:15:00Z"], why: "ambiguous 01:45 -> +11, first"),
        // Pacific/Chatham: 2023-09-24 02:45 -> 03:45 (+12:45 -> +13:45); 2024-04-07 03:45 -> 02:45.
        Case(expression: "0,30 3,4 * * *", zone: "Pacific/Chatham", after: "2023-09-23T00:00:00Z",
             expected: ["2023-09-23T14:15:00Z", "2023-09-23T14:45:00Z", "2023-09-24T13:15:00Z"],
             why: "03:00/03:30 in the gap; the real 04:00/04:30 are not later"),
        Case(expression: "50 2 * * *", zone: "Pacific/Chatham", after: "2023-09-23T00:00:00Z",
             expected: ["2023-09-23T14:05:00Z"], why: "02:50 (in the gap) -> 03:50 +13:45"),
        Case(expression: "0 3 * * *", zone: "Pacific/Chatham", after: "2024-04-06T00:00:00Z",
             expected: ["2024-04-06T13:15:00Z", "2024-04-07T14:15:00Z"], why: "ambiguous 03:00 -> +13:45, first"),
        // Antarctica/Troll: 2-hour DST. 2023-03-26 01:00 -> 03:00 (+0 -> +2); 2023-10-29 03:00 -> 01:00.
        Case(expression: "30 1,2,3 * * *", zone: "Antarctica/Troll", after: "2023-03-25T12:00:00Z",
             expected: ["2023-03-26T01:30:00Z", "2023-03-26T02:30:00Z", "2023-03-26T23:30:00Z", "2023-03-27T00:30:00Z"],
             why: "01:30 and 02:30 shift by 2 h; the real 03:30 is not later"),
        Case(expression: "30 1,2,3 * * *", zone: "Antarctica/Troll", after: "2023-10-28T12:00:00Z",
             expected: ["2023-10-28T23:30:00Z", "2023-10-29T00:30:00Z", "2023-10-29T03:30:00Z"],
             why: "two ambiguous hours resolve to +2"),
        // Pacific/Apia skipped 2011-12-30 entirely (-10 -> +14 at 2011-12-30T10:00Z).
        Case(expression: "0 12 * * *", zone: "Pacific/Apia", after: "2011-12-29T00:00:00Z",
             expected: ["2011-12-29T22:00:00Z", "2011-12-30T22:00:00Z", "2011-12-31T22:00:00Z"],
             why: "skipped day's 12:00 -> 31 Dec 12:00; that real 12:00 is not later"),
        Case(expression: "0 12 30 12 *", zone: "Pacific/Apia", after: "2011-12-01T00:00:00Z",
             expected: ["2011-12-30T22:00:00Z"], why: "a job only on the skipped date still fires"),
        Case(expression: "0 12 31 12 *", zone: "Pacific/Apia", after: "2011-12-01T00:00:00Z",
             expected: ["2011-12-30T22:00:00Z"], why: "31 Dec itself"),
        // Pacific/Kwajalein skipped 1993-08-21 (-12 -> +12).
        Case(expression: "0 12 * * *", zone: "Pacific/Kwajalein", after: "1993-08-19T00:00:00Z",
             expected: ["1993-08-20T00:00:00Z", "1993-08-21T00:00:00Z", "1993-08-22T00:00:00Z", "1993-08-23T00:00:00Z"],
             why: "skipped day fires once, next day's noon coincides and is dropped"),
        // Midnight transitions.
        Case(expression: "0 0 * * *", zone: "America/Havana", after: "2024-03-09T12:00:00Z",
             expected: ["2024-03-10T05:00:00Z", "2024-03-11T04:00:00Z"], why: "skipped midnight -> 01:00 CDT"),
        Case(expression: "*/30 0 * * *", zone: "America/Havana", after: "2024-11-02T12:00:00Z",
             expected: ["2024-11-03T04:00:00Z", "2024-11-03T04:30:00Z", "2024-11-04T05:00:00Z"],
             why: "repeated 00:xx hour fires once"),
        Case(expression: "0 0 * * *", zone: "America/Santiago", after: "2024-09-07T12:00:00Z",
             expected: ["2024-09-08T04:00:00Z", "2024-09-09T03:00:00Z"], why: "skipped midnight"),
        Case(expression: "30 23 * * *", zone: "America/Santiago", after: "2024-04-06T00:00:00Z",
             expected: ["2024-04-06T02:30:00Z", "2024-04-07T02:30:00Z"], why: "ambiguous 23:30 -> -03, first"),
        Case(expression: "0 0 * * *", zone: "Asia/Beirut", after: "2024-03-30T12:00:00Z",
             expected: ["2024-03-30T22:00:00Z", "2024-03-31T21:00:00Z"], why: "skipped midnight"),
        Case(expression: "30 23 * * *", zone: "Asia/Beirut", after: "2024-10-26T00:00:00Z",
             expected: ["2024-10-26T20:30:00Z", "2024-10-27T21:30:00Z"], why: "ambiguous 23:30 -> +03, first"),
        // Zones without DST.
        Case(expression: "30 2 * * *", zone: "Asia/Kolkata", after: "2024-03-10T00:00:00Z",
             expected: ["2024-03-10T21:00:00Z"], why: "+05:30"),
        Case(expression: "0 0 * * *", zone: "Asia/Kathmandu", after: "2024-03-10T00:00:00Z",
             expected: ["2024-03-10T18:15:00Z"], why: "+05:45"),
    ]

    @Test("fire times follow the fold=0 rule", arguments: cases)
    func fireTimesFollowRule(_ testCase: Case) throws {
        let runs = try fireTimes(testCase.expression, testCase.zone, after: testCase.after, count: testCase.expected.count)
        #expect(runs == testCase.expected)
    }

    @Test("the runs of a fall-back day in New York: 24 distinct hours of wall-clock jobs")
    func hourlyOnFallBackDay() throws {
        let runs = try fireTimes("0 * * * *", "America/New_York", after: "2024-11-03T03:59:59Z", count: 30)
        // 00:00 EDT through 23:00 EST: 24 wall-clock hours, 01:00 only once.
        let sameDay = runs.filter { $0 < "2024-11-04T05:00:00Z" }
        #expect(sameDay.count == 24)
        #expect(sameDay.contains("2024-11-03T05:00:00Z"))
        #expect(!sameDay.contains("2024-11-03T06:00:00Z"))
        #expect(Set(runs).count == runs.count)
    }

    @Test("chaining next(after:) gives the same runs as next(after:count:)")
    func chainingMatchesCount() throws {
        let schedule = try CronSchedule(expression: "*/20 1-3 * * *", timeZoneIdentifier: "America/New_York")
        var cursor = instant("2024-03-08T00:00:00Z")
        var chained: [String] = []
        for _ in 0..<40 {
            guard let next = schedule.next(after: cursor) else { break }
            chained.append(InstantFormat.string(next))
            cursor = next
        }
        let counted = schedule.next(after: instant("2024-03-08T00:00:00Z"), count: 40).map(InstantFormat.string)
        #expect(chained == counted)
        #expect(chained == chained.sorted())
    }
}

import Cron
import Foundation
import Testing

@Suite("Triggers")
struct TriggerTests {
    @Test("once fires at run_at only, strictly after `after`")
    func once() {
        let runAt = instant("2024-05-01T12:00:00Z")
        let trigger = Trigger.once(runAt)
        #expect(trigger.next(after: instant("2024-05-01T11:59:59Z")) == runAt)
        #expect(trigger.next(after: runAt) == nil)
        #expect(trigger.next(after: instant("2024-06-01T00:00:00Z")) == nil)
        #expect(trigger.next(after: instant("2024-01-01T00:00:00Z"), count: 5) == [runAt])
    }

    @Test("interval fires every N seconds from start, absolute time", arguments: [
        ("2024-01-01T00:00:00Z", "2023-12-31T00:00:00Z", "2024-01-01T00:00:00Z"),  // before start: start itself
        ("2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "2024-01-01T00:01:30Z"),  // at start: next one
        ("2024-01-01T00:00:00Z", "2024-01-01T00:01:29.999Z", "2024-01-01T00:01:30Z"),
        ("2024-01-01T00:00:00Z", "2024-01-01T00:01:30Z", "2024-01-01T00:03:00Z"),
        ("2024-01-01T00:00:00Z", "2024-03-10T06:59:00Z", "2024-03-10T07:00:00Z"),  // DST does not matter
    ])
    func interval(start: String, after: String, expected: String) {
        let trigger = Trigger.interval(seconds: 90, start: instant(start))
        #expect(trigger.next(after: instant(after)).map(InstantFormat.string) == expected)
    }

    @Test("interval lists consecutive fire times")
    func intervalCount() {
        let trigger = Trigger.interval(seconds: 3_600, start: instant("2024-03-10T05:30:00Z"))
        let runs = trigger.next(after: instant("2024-03-10T06:00:00Z"), count: 3).map(InstantFormat.string)
        #expect(runs == ["2024-03-10T06:30:00Z", "2024-03-10T07:30:00Z", "2024-03-10T08:30:00Z"])
        #expect(Trigger.interval(seconds: 0, start: .now).next(after: .now) == nil)
        #expect(Trigger.interval(seconds: -5, start: .now).next(after: .now, count: 3).isEmpty)
    }

    @Test("interval far from start stays exact")
    func intervalFarAway() {
        let start = instant("2000-01-01T00:00:07Z")
        let trigger = Trigger.interval(seconds: 61, start: start)
        let after = instant("2030-06-15T13:14:15Z")
        let next = trigger.next(after: after)
        #expect(next.map { $0 > after } == true)
        #expect(next.map { $0.timeIntervalSince(after) <= 61 } == true)
        #expect(next.map { $0.timeIntervalSince(start).truncatingRemainder(dividingBy: 61) } == 0)
    }

    @Test("cron trigger delegates to the schedule")
    func cron() throws {
        let schedule = try CronSchedule(expression: "30 2 * * *", timeZoneIdentifier: "America/New_York")
        let trigger = Trigger.cron(schedule)
        let after = instant("2024-03-10T07:10:00Z")
        #expect(trigger.next(after: after) == instant("2024-03-10T07:30:00Z"))
        #expect(trigger.next(after: after, count: 3) == schedule.next(after: after, count: 3))
    }
}

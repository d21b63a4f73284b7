import Cron
import Domain
import Foundation
import SchedulerCore
import Testing

@Suite("Occurrence planner: misfire grace and catch-up")
struct OccurrencePlannerTests {
    let planner = OccurrencePlanner()
    let base = instant("2024-01-01T00:00:00Z")

    func plan(_ definition: ScheduleDefinition, anchor: Date, now: Date) throws -> OccurrencePlan {
        planner.plan(for: definition, trigger: try definition.trigger(), anchor: anchor, now: now)
    }

    /// The k-th occurrence of `*/5 * * * *` after `base` (k >= 1).
    func fiveMinute(_ k: Int) -> Date { base.addingTimeInterval(Double(k) * 300) }

    @Test("lateness exactly misfire_grace_seconds still runs on time; a millisecond more is a catch-up")
    func graceBoundary() throws {
        let schedule = cronSchedule("s", "0 * * * *", grace: 60)
        let due = instant("2024-01-01T10:00:00Z")
        let anchor = instant("2024-01-01T09:00:00Z")

        let onTime = try plan(schedule, anchor: anchor, now: due.addingTimeInterval(60))
        #expect(onTime.runs == [PlannedRun(scheduledFor: due, triggeredBy: .schedule)])
        #expect(onTime.skipped.isEmpty)
        #expect(onTime.handledThrough == due)
        #expect(onTime.next == instant("2024-01-01T11:00:00Z"))

        let late = try plan(schedule, anchor: anchor, now: due.addingTimeInterval(60.001))
        #expect(late.runs == [PlannedRun(scheduledFor: due, triggeredBy: .catchup)])

        let exact = try plan(schedule, anchor: anchor, now: due)
        #expect(exact.runs == [PlannedRun(scheduledFor: due, triggeredBy: .schedule)])

        let zeroGrace = try plan(cronSchedule("z", "0 * * * *", grace: 0), anchor: anchor, now: due.addingTimeInterval(0.5))
        #expect(zeroGrace.runs == [PlannedRun(scheduledFor: due, triggeredBy: .catchup)])
    }

    struct PolicyCase: Sendable, CustomTestStringConvertible {
        var policy: CatchupPolicy
        var missed: Int
        var runs: [Int]
        var skipped: ClosedRange<Int>?
        var unrecorded: Int
        var testDescription: String { "\(policy) with \(missed) missed" }
    }

    @Test("catch-up policies with 0, 1 and 150 missed occurrences", arguments: [
        PolicyCase(policy: .latest, missed: 0, runs: [], skipped: nil, unrecorded: 0),
        PolicyCase(policy: .latest, missed: 1, runs: [1], skipped: nil, unrecorded: 0),
        PolicyCase(policy: .latest, missed: 150, runs: [150], skipped: 50...149, unrecorded: 49),
        PolicyCase(policy: .none, missed: 0, runs: [], skipped: nil, unrecorded: 0),
        PolicyCase(policy: .none, missed: 1, runs: [], skipped: 1...1, unrecorded: 0),
        PolicyCase(policy: .none, missed: 150, runs: [], skipped: 51...150, unrecorded: 50),
        PolicyCase(policy: .all, missed: 0, runs: [], skipped: nil, unrecorded: 0),
        PolicyCase(policy: .all, missed: 1, runs: [1], skipped: nil, unrecorded: 0),
        PolicyCase(policy: .all, missed: 150, runs: Array(51...150), skipped: 1...50, unrecorded: 0),
    ])
    func catchupPolicies(_ testCase: PolicyCase) throws {
        let schedule = cronSchedule("s", "*/5 * * * *", catchup: testCase.policy, grace: 60)
        // Two minutes after the last missed one: every one of them is beyond the grace.
        let now = fiveMinute(testCase.missed).addingTimeInterval(120)
        let result = try plan(schedule, anchor: base, now: now)

        #expect(result.runs == testCase.runs.map { PlannedRun(scheduledFor: fiveMinute($0), triggeredBy: .catchup) })
        #expect(result.skipped == (testCase.skipped.map { $0.map(fiveMinute) } ?? []))
        #expect(result.unrecordedSkips == testCase.unrecorded)
        #expect(result.unrecordedSkipsIsLowerBound == false)
        #expect(result.runs.count + result.skipped.count + result.unrecordedSkips == testCase.missed)
        #expect(result.handledThrough == (testCase.missed == 0 ? nil : fiveMinute(testCase.missed)))
        #expect(result.next == fiveMinute(testCase.missed + 1))
        #expect(result.completion == nil)
    }

    @Test("latest: an on-time occurrence is the most recent one, so the missed ones are all skipped")
    func latestWithOnTimeOccurrence() throws {
        let schedule = cronSchedule("s", "*/5 * * * *", catchup: .latest, grace: 60)
        let now = fiveMinute(12).addingTimeInterval(30)
        let result = try plan(schedule, anchor: base, now: now)
        #expect(result.runs == [PlannedRun(scheduledFor: fiveMinute(12), triggeredBy: .schedule)])
        #expect(result.skipped == (1...11).map(fiveMinute))

        let all = try plan(cronSchedule("a", "*/5 * * * *", catchup: .all, grace: 60), anchor: base, now: now)
        #expect(all.runs == (1...11).map { PlannedRun(scheduledFor: fiveMinute($0), triggeredBy: .catchup) }
            + [PlannedRun(scheduledFor: fiveMinute(12), triggeredBy: .schedule)])
    }

    @Test("a month of downtime on * * * * * records 100 skipped rows and counts the rest, quickly")
    func monthOfDowntime() throws {
        let schedule = cronSchedule("s", "* * * * *", catchup: .latest)
        let now = instant("2024-02-01T00:00:30Z")
        let started = ContinuousClock.now
        let result = try plan(schedule, anchor: base, now: now)
        #expect(ContinuousClock.now - started < .seconds(2))
        let minutes = 31 * 24 * 60  // (00:00 Jan 1, 00:00 Feb 1]
        #expect(result.runs == [PlannedRun(scheduledFor: instant("2024-02-01T00:00:00Z"), triggeredBy: .schedule)])
        #expect(result.skipped.count == 100)
        #expect(result.skipped.last == instant("2024-01-31T23:59:00Z"))
        #expect(result.skipped.first == instant("2024-01-31T22:20:00Z"))
        #expect(result.unrecordedSkips == minutes - 1 - 100)
        #expect(!result.unrecordedSkipsIsLowerBound)
        #expect(result.next == instant("2024-02-01T00:01:00Z"))
    }

    @Test("beyond the exact-count limit the newest occurrences are still found; the count becomes a lower bound")
    func boundedEnumeration() throws {
        let small = OccurrencePlanner(maxRecordedSkips: 10, exactCountLimit: 500)
        let schedule = cronSchedule("s", "* 9-10 * * *", catchup: .none)
        let definition = schedule
        let now = instant("2024-03-01T12:00:00Z")
        let result = small.plan(for: definition, trigger: try definition.trigger(), anchor: base, now: now)
        #expect(result.runs.isEmpty)
        #expect(result.skipped == (50...59).map { instant("2024-03-01T10:\(String(format: "%02d", $0)):00Z") })
        #expect(result.unrecordedSkipsIsLowerBound)
        #expect(result.unrecordedSkips >= 500)
        #expect(result.handledThrough == instant("2024-03-01T10:59:00Z"))
        #expect(result.next == instant("2024-03-02T09:00:00Z"))
    }

    @Test("a long grace runs at most 100 on-time occurrences; older ones are skipped")
    func onTimeCap() throws {
        let schedule = cronSchedule("s", "* * * * *", catchup: .none, grace: 86_400)
        let now = base.addingTimeInterval(200 * 60)
        let result = try plan(schedule, anchor: base, now: now)
        #expect(result.runs.count == 100)
        #expect(result.runs.allSatisfy { $0.triggeredBy == .schedule })
        #expect(result.runs.first?.scheduledFor == base.addingTimeInterval(101 * 60))
        #expect(result.skipped.count == 100)
        #expect(result.skipped.last == base.addingTimeInterval(100 * 60))
    }
}

import Cron
import Domain
import Foundation
import SchedulerCore
import Testing

@Suite("Occurrence planner: once, interval, end_at, max_runs, DST")
struct OccurrencePlannerTriggerTests {
    let planner = OccurrencePlanner()

    func plan(_ definition: ScheduleDefinition, anchor: Date? = nil, now: Date, runCount: Int64? = nil) throws -> OccurrencePlan {
        planner.plan(
            for: definition, trigger: try definition.trigger(), anchor: anchor ?? definition.initialAnchor, now: now,
            runCount: runCount
        )
    }

    func once(_ runAt: String, catchup: CatchupPolicy = .latest, created: String = "2024-01-01T00:00:00Z") -> ScheduleDefinition {
        ScheduleDefinition(
            id: "once", agentName: "a", name: "once", triggerKind: .once, runAt: instant(runAt), catchup: catchup,
            createdAt: instant(created)
        )
    }

    @Test("once: waits for run_at, fires once, then completes")
    func onceSchedule() throws {
        let schedule = once("2024-01-01T12:00:00Z")
        let before = try plan(schedule, now: instant("2024-01-01T11:00:00Z"))
        #expect(before.runs.isEmpty)
        #expect(before.next == instant("2024-01-01T12:00:00Z"))
        #expect(before.completion == nil)

        let due = try plan(schedule, now: instant("2024-01-01T12:00:00Z"))
        #expect(due.runs == [PlannedRun(scheduledFor: instant("2024-01-01T12:00:00Z"), triggeredBy: .schedule)])
        #expect(due.next == nil)
        #expect(due.completion == .exhausted)

        let after = try plan(schedule, anchor: instant("2024-01-01T12:00:00Z"), now: instant("2024-01-01T12:00:01Z"))
        #expect(after.runs.isEmpty && after.skipped.isEmpty)
        #expect(after.completion == .exhausted)
    }

    @Test("once whose run_at passed while no scheduler ran: catch-up policy, then complete", arguments: [
        (CatchupPolicy.latest, true), (.all, true), (.none, false),
    ])
    func onceMissed(policy: CatchupPolicy, runs: Bool) throws {
        let schedule = once("2024-01-01T12:00:00Z", catchup: policy, created: "2024-01-01T11:00:00Z")
        let result = try plan(schedule, now: instant("2024-01-01T15:00:00Z"))
        #expect(result.runs == (runs ? [PlannedRun(scheduledFor: instant("2024-01-01T12:00:00Z"), triggeredBy: .catchup)] : []))
        #expect(result.skipped == (runs ? [] : [instant("2024-01-01T12:00:00Z")]))
        #expect(result.completion == .exhausted)
    }

    @Test("interval: absolute grid from start_at; creation time bounds what is due")
    func interval() throws {
        let schedule = ScheduleDefinition(
            id: "i", agentName: "a", name: "i", triggerKind: .interval, intervalSeconds: 3_600,
            startAt: instant("2024-01-01T10:00:00Z"), createdAt: instant("2024-01-01T09:30:00Z")
        )
        let result = try plan(schedule, now: instant("2024-01-01T12:30:00Z"))
        #expect(result.runs == [PlannedRun(scheduledFor: instant("2024-01-01T12:00:00Z"), triggeredBy: .catchup)])
        #expect(result.skipped == [instant("2024-01-01T10:00:00Z"), instant("2024-01-01T11:00:00Z")])
        #expect(result.next == instant("2024-01-01T13:00:00Z"))

        // start_at omitted: the grid starts at created_at; created later: nothing before it.
        var noStart = schedule
        noStart.startAt = nil
        noStart.createdAt = instant("2024-01-01T09:59:30Z")
        let fromCreation = try plan(noStart, now: instant("2024-01-01T10:59:30Z"))
        #expect(fromCreation.runs == [PlannedRun(scheduledFor: instant("2024-01-01T10:59:30Z"), triggeredBy: .schedule)])
        #expect(fromCreation.skipped.isEmpty)
    }

    @Test("end_at: the occurrence at end_at runs, nothing after it, then the schedule is complete")
    func endAt() throws {
        let schedule = cronSchedule("e", "0 * * * *", endAt: instant("2024-01-01T12:00:00Z"))
        let eleven = try plan(schedule, anchor: instant("2024-01-01T10:00:00Z"), now: instant("2024-01-01T11:00:00Z"))
        #expect(eleven.runs.map(\.scheduledFor) == [instant("2024-01-01T11:00:00Z")])
        #expect(eleven.next == instant("2024-01-01T12:00:00Z"))

        let twelve = try plan(schedule, anchor: instant("2024-01-01T11:00:00Z"), now: instant("2024-01-01T12:00:00Z"))
        #expect(twelve.runs.map(\.scheduledFor) == [instant("2024-01-01T12:00:00Z")])
        #expect(twelve.next == nil)
        #expect(twelve.completion == .endReached)

        // Down across end_at: nothing after it is due.
        let late = try plan(schedule, anchor: instant("2024-01-01T10:00:00Z"), now: instant("2024-01-02T00:00:00Z"))
        #expect(late.runs.map(\.scheduledFor) == [instant("2024-01-01T12:00:00Z")])
        #expect(late.skipped == [instant("2024-01-01T11:00:00Z")])
        #expect(late.completion == .endReached)
    }

    @Test("max_runs: the last allowed run completes the schedule; at the limit nothing runs")
    func maxRuns() throws {
        let schedule = cronSchedule("m", "0 * * * *", maxRuns: 3)
        let anchor = instant("2024-01-01T10:00:00Z")
        let now = instant("2024-01-01T11:00:00Z")
        let second = try plan(schedule, anchor: anchor, now: now, runCount: 1)
        #expect(second.runs.count == 1)
        #expect(second.completion == nil)

        let last = try plan(schedule, anchor: anchor, now: now, runCount: 2)
        #expect(last.runs.count == 1)
        #expect(last.completion == .maxRunsReached)
        #expect(last.next == nil)

        let reached = try plan(schedule, anchor: anchor, now: now, runCount: 3)
        #expect(reached.runs.isEmpty && reached.skipped.isEmpty)
        #expect(reached.completion == .maxRunsReached)

        let all = cronSchedule("m", "0 * * * *", catchup: .all, maxRuns: 3)
        let catchup = try plan(all, anchor: anchor, now: instant("2024-01-01T15:30:00Z"), runCount: 1)
        #expect(catchup.runs.map(\.scheduledFor) == [instant("2024-01-01T11:00:00Z"), instant("2024-01-01T12:00:00Z")])
        #expect(catchup.completion == .maxRunsReached)
    }

    /// Plans a schedule tick by tick (as the engine does, waking at each
    /// next instant) and returns every run.
    func walk(_ schedule: ScheduleDefinition, from start: Date, until end: Date) throws -> [PlannedRun] {
        let trigger = try schedule.trigger()
        var anchor = start
        var runs: [PlannedRun] = []
        var wake = trigger.next(after: anchor)
        while let now = wake, now <= end {
            let result = planner.plan(for: schedule, trigger: trigger, anchor: anchor, now: now)
            runs += result.runs
            anchor = result.handledThrough ?? anchor
            wake = result.next
        }
        return runs
    }

    @Test("DST fall-back in New York: */15 during 1 AM fires 4 times, at the first 1 AM, never twice")
    func fallBack() throws {
        let schedule = cronSchedule("d", "*/15 1 * * *", zone: "America/New_York")
        let runs = try walk(schedule, from: instant("2024-11-03T04:00:00Z"), until: instant("2024-11-03T12:00:00Z"))
        #expect(runs.map { iso($0.scheduledFor) } == [
            "2024-11-03T05:00:00Z", "2024-11-03T05:15:00Z", "2024-11-03T05:30:00Z", "2024-11-03T05:45:00Z",
        ])
        #expect(runs.allSatisfy { $0.triggeredBy == .schedule })

        let hourly = try walk(cronSchedule("h", "30 * * * *", zone: "America/New_York"),
                              from: instant("2024-11-03T04:00:00Z"), until: instant("2024-11-03T08:00:00Z"))
        // 00:30 EDT, 01:30 EDT, (01:30 EST is the same wall time: not again), 02:30 EST.
        #expect(hourly.map { iso($0.scheduledFor) } == ["2024-11-03T04:30:00Z", "2024-11-03T05:30:00Z", "2024-11-03T07:30:00Z"])
    }

    @Test("DST spring-forward in New York: 02:30 daily fires at 03:30 EDT, once")
    func springForward() throws {
        let schedule = cronSchedule("d", "30 2 * * *", zone: "America/New_York")
        let runs = try walk(schedule, from: instant("2024-03-09T00:00:00Z"), until: instant("2024-03-11T12:00:00Z"))
        #expect(runs.map { iso($0.scheduledFor) } == ["2024-03-09T07:30:00Z", "2024-03-10T07:30:00Z", "2024-03-11T06:30:00Z"])
    }
}

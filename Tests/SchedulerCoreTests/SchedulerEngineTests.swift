import Domain
import Foundation
import SchedulerCore
import Testing

@Suite("Scheduler engine on a manual clock")
struct SchedulerEngineTests {
    @Test("fires every occurrence at its instant over a simulated day")
    func simulatedDay() async {
        let harness = EngineHarness(
            start: instant("2023-12-31T23:55:00Z"),
            schedules: [
                cronSchedule("quarter", "*/15 * * * *", created: "2023-12-31T23:55:00Z"),
                cronSchedule("nine", "0 9 * * 1-5", zone: "Europe/Paris", created: "2023-12-31T23:55:00Z"),
            ]
        )
        await harness.start()
        await harness.advance(to: instant("2024-01-02T00:00:00Z"))

        let quarter = harness.calls("quarter")
        let expected = (0...96).map { instant("2024-01-01T00:00:00Z").addingTimeInterval(Double($0) * 900) }
        #expect(quarter.map(\.scheduledFor) == expected)
        #expect(quarter.allSatisfy { $0.startedAt == $0.scheduledFor && $0.attempt == 1 })
        #expect(harness.calls("nine").map(\.startedAt) == [instant("2024-01-01T08:00:00Z")])
        #expect(harness.rows("quarter").allSatisfy { $0.triggeredBy == .schedule })
        #expect(harness.rows("quarter").map(\.status) == Array(repeating: .success, count: 96) + [.running])
        let status = await harness.engine.status()
        #expect(status.schedulesLoaded == 2)
        #expect(status.nextWake == instant("2024-01-02T00:15:00Z"))
        #expect(status.counters.claimed == 98)
        await harness.stop()
    }

    @Test("DST fall-back in New York: */15 during 1 AM runs 4 times, not 8")
    func fallBackDay() async {
        let harness = EngineHarness(
            start: instant("2024-11-02T12:00:00Z"),
            schedules: [cronSchedule("d", "*/15 1 * * *", zone: "America/New_York", created: "2024-11-02T12:00:00Z")]
        )
        await harness.start()
        await harness.advance(to: instant("2024-11-03T12:00:00Z"))
        #expect(harness.calls("d").map { iso($0.startedAt) } == [
            "2024-11-03T05:00:00Z", "2024-11-03T05:15:00Z", "2024-11-03T05:30:00Z", "2024-11-03T05:45:00Z",
        ])
        await harness.stop()
    }

    @Test("an edit is live at once: the next fire moves without waiting for a resync, and nothing back-fires")
    func editPickedUpAtOnce() async {
        let harness = EngineHarness(
            start: instant("2024-01-01T10:00:30Z"),
            schedules: [cronSchedule("s", "0 * * * *", created: "2024-01-01T00:00:00Z", lastScheduledFor: instant("2024-01-01T10:00:00Z"))],
            configure: { $0.resyncInterval = 3_600 }
        )
        await harness.start()
        #expect(await harness.engine.status().nextWake == instant("2024-01-01T11:00:00Z"))

        await harness.advance(to: instant("2024-01-01T10:20:10Z"))
        harness.source.edit("s", at: harness.clock.now()) { $0.cronExpression = "*/5 * * * *" }
        await harness.settle()
        #expect(harness.clock.now() == instant("2024-01-01T10:20:10Z"))
        #expect(await harness.engine.status().nextWake == instant("2024-01-01T10:25:00Z"))

        await harness.advance(to: instant("2024-01-01T10:40:00Z"))
        #expect(harness.calls("s").map { iso($0.startedAt) } == ["2024-01-01T10:25:00Z", "2024-01-01T10:30:00Z", "2024-01-01T10:35:00Z", "2024-01-01T10:40:00Z"])
        #expect(harness.rows("s").allSatisfy { $0.triggeredBy == .schedule })

        // Deleting stops it at once.
        harness.source.delete("s")
        await harness.advance(to: instant("2024-01-01T11:00:00Z"))
        #expect(harness.calls("s").count == 4)
        await harness.stop()
    }

    @Test("a change that was never announced is picked up by the periodic resync")
    func resyncSafetyNet() async {
        let harness = EngineHarness(start: instant("2024-01-01T10:00:00Z"), configure: { $0.resyncInterval = 60 })
        await harness.start()
        harness.source.setNotifies(false)
        harness.source.put(cronSchedule("s", "*/5 * * * *", created: "2024-01-01T10:00:10Z"))
        await harness.advance(to: instant("2024-01-01T10:05:00Z"))
        #expect(harness.calls("s").map(\.startedAt) == [instant("2024-01-01T10:05:00Z")])
        #expect(await harness.engine.status().lastSyncAt == instant("2024-01-01T10:05:00Z"))
        await harness.stop()
    }

    @Test("after downtime the catch-up policy applies to what was missed", arguments: [
        (CatchupPolicy.latest, ["10:00"], 11), (.none, [], 12), (.all, ["08:10", "08:20", "08:30", "08:40", "08:50", "09:00", "09:10", "09:20", "09:30", "09:40", "09:50", "10:00"], 0),
    ])
    func downtime(policy: CatchupPolicy, ran: [String], skipped: Int) async {
        // Last recorded occurrence 08:00; the scheduler comes back at 10:05.
        let harness = EngineHarness(
            start: instant("2024-01-01T10:05:00Z"),
            schedules: [cronSchedule("s", "*/10 * * * *", catchup: policy, lastScheduledFor: instant("2024-01-01T08:00:00Z"))],
            script: { _ in .init(duration: 10) }
        )
        await harness.start()
        await harness.advance(to: instant("2024-01-01T10:09:59Z"))
        let rows = harness.rows("s")
        let label = { (date: Date) in String(iso(date).dropFirst(11).prefix(5)) }
        #expect(rows.filter { $0.status == .success }.map { label($0.scheduledFor) } == ran)
        #expect(rows.filter { $0.status == .success }.allSatisfy { $0.triggeredBy == .catchup })
        #expect(rows.filter { $0.status == .skipped }.count == skipped)
        #expect(rows.filter { $0.status == .skipped }.allSatisfy { $0.skipReason == .missed })
        // Catch-up runs of one schedule go one after another (10 s each), not all at once.
        let starts = harness.calls("s").map(\.startedAt)
        #expect(starts == starts.indices.map { instant("2024-01-01T10:05:00Z").addingTimeInterval(Double($0) * 10) })
        await harness.advance(to: instant("2024-01-01T10:10:00Z"))
        #expect(harness.calls("s").last?.scheduledFor == instant("2024-01-01T10:10:00Z"))
        await harness.stop()
    }

    @Test("overlap skip: an occurrence due while the previous run is still running is recorded as skipped")
    func overlapSkip() async {
        let harness = EngineHarness(
            start: instant("2024-01-01T09:59:00Z"),
            schedules: [cronSchedule("s", "*/5 * * * *", created: "2024-01-01T09:59:00Z", overlap: .skip)],
            script: { _ in .init(duration: 7 * 60) }
        )
        await harness.start()
        await harness.advance(to: instant("2024-01-01T10:20:00Z"))
        let rows = harness.rows("s").map { (String(iso($0.scheduledFor).dropFirst(11).prefix(5)), $0.status, $0.skipReason) }
        #expect(rows.map(\.0) == ["10:00", "10:05", "10:10", "10:15", "10:20"])
        #expect(rows.map(\.1) == [.success, .skipped, .success, .skipped, .running])
        #expect(rows.map(\.2) == [nil, .overlap, nil, .overlap, nil])
        await harness.stop()
    }

    @Test("overlap queue: runs right after the current one; a second waiting one is skipped")
    func overlapQueue() async {
        let harness = EngineHarness(
            start: instant("2024-01-01T09:59:00Z"),
            schedules: [cronSchedule("s", "*/5 * * * *", created: "2024-01-01T09:59:00Z", overlap: .queue)],
            script: { _ in .init(duration: 12 * 60) }
        )
        await harness.start()
        await harness.advance(to: instant("2024-01-01T10:30:00Z"))
        // 10:00 runs until 10:12; 10:05 waits and starts at 10:12; 10:10 would be a second waiting one: skipped.
        let calls = harness.calls("s").map { (String(iso($0.scheduledFor).dropFirst(11).prefix(5)), String(iso($0.startedAt).dropFirst(11).prefix(5))) }
        #expect(calls.map(\.0) == ["10:00", "10:05", "10:15"])
        #expect(calls.map(\.1) == ["10:00", "10:12", "10:24"])
        let skipped = harness.rows("s").filter { $0.status == .skipped }.map { String(iso($0.scheduledFor).dropFirst(11).prefix(5)) }
        #expect(skipped == ["10:10", "10:20", "10:30"])
        await harness.stop()
    }

    @Test("overlap allow: runs concurrently")
    func overlapAllow() async {
        let harness = EngineHarness(
            start: instant("2024-01-01T09:59:00Z"),
            schedules: [cronSchedule("s", "*/5 * * * *", created: "2024-01-01T09:59:00Z", overlap: .allow)],
            script: { _ in .init(duration: 12 * 60) }
        )
        await harness.start()
        await harness.advance(to: instant("2024-01-01T10:10:00Z"))
        #expect(harness.runner.active == 3)
        #expect(harness.calls("s").map(\.startedAt) == harness.calls("s").map(\.scheduledFor))
        await harness.stop()
    }

    @Test("a failed attempt is retried as attempt 2 after retry_delay_seconds, then attempt 3, then it stops")
    func retries() async {
        let harness = EngineHarness(
            start: instant("2024-01-01T09:59:00Z"),
            schedules: [cronSchedule("s", "0 10 * * *", maxRetries: 2, retryDelay: 90)],
            script: { call in .init(duration: 10, outcome: call.attempt < 3 ? .failed(error: "agent returned 500") : .success()) }
        )
        await harness.start()
        await harness.advance(to: instant("2024-01-01T11:00:00Z"))
        let calls = harness.calls("s")
        #expect(calls.map(\.attempt) == [1, 2, 3])
        #expect(calls.allSatisfy { $0.scheduledFor == instant("2024-01-01T10:00:00Z") })
        #expect(calls.map { iso($0.startedAt) } == ["2024-01-01T10:00:00Z", "2024-01-01T10:01:40Z", "2024-01-01T10:03:20Z"])
        #expect(harness.rows("s").map(\.triggeredBy) == [.schedule, .retry, .retry])
        #expect(harness.rows("s").map(\.status) == [.failed, .failed, .success])
        #expect(harness.rows("s").first?.error == "agent returned 500")

        // With max_retries exhausted, no further attempt.
        let always = EngineHarness(
            start: instant("2024-01-01T09:59:00Z"),
            schedules: [cronSchedule("f", "0 10 * * *", maxRetries: 1, retryDelay: 30)],
            script: { _ in .init(duration: 1, outcome: .failed(error: "refused")) }
        )
        await always.start()
        await always.advance(to: instant("2024-01-01T12:00:00Z"))
        #expect(always.calls("f").map(\.attempt) == [1, 2])
        await harness.stop()
        await always.stop()
    }

    @Test("once: fires at run_at, reports completion, the source disables it")
    func onceSchedule() async {
        let once = ScheduleDefinition(
            id: "o", agentName: "a", name: "o", triggerKind: .once, runAt: instant("2024-01-01T10:00:00Z"),
            createdAt: instant("2024-01-01T09:00:00Z")
        )
        let harness = EngineHarness(start: instant("2024-01-01T09:30:00Z"), schedules: [once])
        await harness.start()
        await harness.advance(to: instant("2024-01-02T00:00:00Z"))
        #expect(harness.calls("o").map(\.startedAt) == [instant("2024-01-01T10:00:00Z")])
        #expect(harness.source.completions == [ScheduleCompletion(scheduleID: "o", revision: 1, reason: .exhausted)])
        #expect(harness.source.schedule("o")?.enabled == false)
        #expect(await harness.engine.status().schedulesLoaded == 0)
        await harness.stop()
    }

    @Test("an invalid schedule is reported in status; the others run")
    func invalidSchedule() async {
        let harness = EngineHarness(
            start: instant("2024-01-01T09:59:00Z"),
            schedules: [cronSchedule("ok", "0 10 * * *"), cronSchedule("bad", "0 10 * * * *")]
        )
        await harness.start()
        await harness.advance(to: instant("2024-01-01T10:00:00Z"))
        let status = await harness.engine.status()
        #expect(status.invalidCount == 1)
        #expect(status.invalidSchedules.first?.id == "bad")
        #expect(status.invalidSchedules.first?.error.code == .invalidCron)
        #expect(harness.calls("ok").count == 1)
        let synced = harness.events[0].all.contains { if case .synced(let summary) = $0 { summary.invalid.map(\.id) == ["bad"] } else { false } }
        #expect(synced)
        await harness.stop()
    }

    @Test("bounded concurrency: at most maxConcurrentExecutions at once, the rest start as slots free")
    func concurrencyLimit() async {
        let schedules = (1...5).map { cronSchedule("s\($0)", "0 10 * * *") }
        let harness = EngineHarness(
            start: instant("2024-01-01T09:59:00Z"), schedules: schedules,
            configure: { $0.maxConcurrentExecutions = 2 },
            script: { _ in .init(duration: 20) }
        )
        await harness.start()
        await harness.advance(to: instant("2024-01-01T10:00:00Z"))
        #expect(harness.runner.active == 2)
        #expect(await harness.engine.status().waitingJobs == 3)
        await harness.advance(to: instant("2024-01-01T10:01:00Z"))
        let starts = harness.runner.calls.map { iso($0.startedAt) }.sorted()
        #expect(starts == ["2024-01-01T10:00:00Z", "2024-01-01T10:00:00Z", "2024-01-01T10:00:20Z", "2024-01-01T10:00:20Z", "2024-01-01T10:00:40Z"])
        await harness.stop()
    }
}

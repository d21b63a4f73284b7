import Domain
import Foundation
import SchedulerCore
import Testing

@Suite("Scheduler engine: outages and shutdown")
struct EngineResilienceTests {
    @Test("store down at the due instant: the claim is retried and the occurrence runs once when it is back")
    func storeOutage() async {
        let harness = EngineHarness(
            start: instant("2024-01-01T09:59:00Z"),
            schedules: [cronSchedule("s", "0 10 * * *", created: "2024-01-01T09:00:00Z")],
            configure: { $0.storeRetryDelay = 1 }
        )
        await harness.start()
        harness.store.setFailing(true)
        await harness.advance(to: instant("2024-01-01T10:00:03Z"))
        #expect(harness.calls("s").isEmpty)
        harness.store.setFailing(false)
        await harness.advance(to: instant("2024-01-01T10:01:00Z"))
        #expect(harness.calls("s").map(\.startedAt) == [instant("2024-01-01T10:00:04Z")])
        #expect(harness.rows("s").count == 1)
        #expect(await harness.engine.status().counters.storeFailures >= 3)
        await harness.stop()
    }

    @Test("store down longer than the retry window: the occurrence is abandoned and reported, never run late")
    func storeOutageAbandoned() async {
        let harness = EngineHarness(
            start: instant("2024-01-01T09:59:00Z"),
            schedules: [cronSchedule("s", "0 10 * * *", created: "2024-01-01T09:00:00Z")],
            configure: { $0.storeRetryDelay = 10; $0.storeRetryWindow = 60 }
        )
        await harness.start()
        harness.store.setFailing(true)
        await harness.advance(to: instant("2024-01-01T10:05:00Z"))
        harness.store.setFailing(false)
        await harness.advance(to: instant("2024-01-01T10:30:00Z"))
        #expect(harness.calls("s").isEmpty)
        let abandoned = harness.events[0].all.contains { if case .occurrenceAbandoned(let id, _, _, _) = $0 { id == "s" } else { false } }
        #expect(abandoned)
        await harness.stop()
    }

    @Test("schedule source down at start: the engine keeps retrying the load and starts firing once it answers")
    func sourceOutage() async {
        let harness = EngineHarness(
            start: instant("2024-01-01T09:59:00Z"),
            schedules: [cronSchedule("s", "*/5 * * * *", created: "2024-01-01T09:00:00Z", lastScheduledFor: instant("2024-01-01T09:55:00Z"))],
            configure: { $0.sourceRetryDelay = 5 }
        )
        harness.source.setFailingLoads(true)
        await harness.start()
        #expect(await harness.engine.status().lastSyncError != nil)
        await harness.advance(to: instant("2024-01-01T09:59:30Z"))
        harness.source.setFailingLoads(false)
        await harness.advance(to: instant("2024-01-01T10:05:00Z"))
        #expect(harness.calls("s").map(\.startedAt) == [instant("2024-01-01T10:00:00Z"), instant("2024-01-01T10:05:00Z")])
        #expect(await harness.engine.status().lastSyncError == nil)
        await harness.stop()
    }

    @Test("a row recovered by another replica while running: the result is not written and no retry is scheduled here")
    func recoveredElsewhere() async {
        let harness = EngineHarness(
            start: instant("2024-01-01T09:59:00Z"),
            schedules: [cronSchedule("s", "0 10 * * *", created: "2024-01-01T09:00:00Z", maxRetries: 3)],
            script: { _ in .init(duration: 120, outcome: .failed(error: "timeout")) }
        )
        await harness.start()
        await harness.advance(to: instant("2024-01-01T10:01:00Z"))
        guard let row = harness.rows("s").first else {
            Issue.record("no row")
            return
        }
        harness.store.recover(executionID: row.executionID)
        await harness.advance(to: instant("2024-01-01T10:30:00Z"))
        #expect(harness.calls("s").count == 1)
        #expect(harness.rows("s").map(\.error) == ["scheduler lost"])
        await harness.stop()
    }

    @Test("graceful shutdown: no new occurrences, short runs finish, long ones are reported and cancelled")
    func shutdown() async {
        let harness = EngineHarness(
            start: instant("2024-01-01T09:59:00Z"),
            schedules: [
                cronSchedule("short", "0 10 * * *", created: "2024-01-01T09:00:00Z"),
                cronSchedule("long", "0 10 * * *", created: "2024-01-01T09:00:00Z"),
                cronSchedule("later", "5 10 * * *", created: "2024-01-01T09:00:00Z"),
            ],
            configure: { $0.shutdownGracePeriod = 30 },
            script: { call in .init(duration: call.scheduleID == "long" ? 600 : 20) }
        )
        await harness.start()
        await harness.advance(to: instant("2024-01-01T10:00:00Z"))
        let reports = await harness.stop()
        #expect(reports.first?.drained == false)
        #expect(reports.first?.interrupted.map(\.scheduleID) == ["long"])
        await harness.advance(to: instant("2024-01-01T10:10:00Z"))
        #expect(harness.calls("later").isEmpty)
        #expect(harness.rows("short").map(\.status) == [.success])
        #expect(harness.rows("long").map(\.status) == [.cancelled])
        #expect(await harness.engine.status().state == .stopped)
    }
}

@Suite("In-memory test doubles")
struct InMemoryDoubleTests {
    @Test("the store enforces the occurrence key like the Postgres unique index")
    func storeUniqueness() async throws {
        let store = InMemoryOccurrenceStore()
        let at = instant("2024-01-01T10:00:00Z")
        let first = try await store.claim(scheduleID: "s", scheduledFor: at, attempt: 1, triggeredBy: .schedule, workerID: "a", exclusive: true)
        guard case .claimed(let id) = first else {
            Issue.record("first claim must win")
            return
        }
        #expect(try await store.claim(scheduleID: "s", scheduledFor: at, attempt: 1, triggeredBy: .catchup, workerID: "b", exclusive: true) == .alreadyClaimed)
        let skip = SkippedOccurrence(scheduleID: "s", agentName: "a", scheduledFor: at, attempt: 1, triggeredBy: .schedule, reason: .overlap)
        #expect(try await store.recordSkipped([skip], workerID: "b") == 0)
        // Exclusive: another execution of the schedule runs, nothing inserted.
        let later = at.addingTimeInterval(300)
        #expect(try await store.claim(scheduleID: "s", scheduledFor: later, attempt: 1, triggeredBy: .schedule, workerID: "b", exclusive: true) == .busy)
        #expect(try await store.occurrenceExists(scheduleID: "s", scheduledFor: later, attempt: 1) == false)
        #expect(try await store.claim(scheduleID: "s", scheduledFor: at, attempt: 2, triggeredBy: .retry, workerID: "b", exclusive: false) != .alreadyClaimed)
        #expect(try await store.isRunning(scheduleID: "s"))
        #expect(try await store.complete(executionID: id, workerID: "b", outcome: .success()) == false)
        #expect(try await store.complete(executionID: id, workerID: "a", outcome: .success()) == true)
        #expect(try await store.complete(executionID: id, workerID: "a", outcome: .success()) == false)
    }

    @Test("manual clock wakes sleepers in deadline order and cancellation wakes them at once")
    func manualClock() async throws {
        let clock = ManualClock(now: instant("2024-01-01T00:00:00Z"))
        let order = Box<[Int]>([])
        let first = Task { try await clock.sleep(until: instant("2024-01-01T00:00:10Z")); order.value.append(1) }
        let second = Task { try await clock.sleep(until: instant("2024-01-01T00:00:05Z")); order.value.append(2) }
        let cancelled = Task { try await clock.sleep(until: instant("2024-01-01T01:00:00Z")) }
        while clock.sleeperCount < 3 { await Task.yield() }
        #expect(clock.nextDeadline == instant("2024-01-01T00:00:05Z"))
        #expect(clock.advance(to: instant("2024-01-01T00:00:07Z")) == 1)
        try await second.value
        #expect(clock.advance(by: 60) == 1)
        try await first.value
        #expect(order.value == [2, 1])
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(clock.sleeperCount == 0)
        // A deadline already reached returns at once.
        try await clock.sleep(until: instant("2024-01-01T00:00:00Z"))
    }

    @Test("the locker's tokens: a stale holder cannot release a lock taken over after expiry")
    func lockerTokens() async throws {
        let clock = ManualClock(now: instant("2024-01-01T00:00:00Z"))
        let locker = InMemoryLocker(clock: clock)
        let at = instant("2024-01-01T10:00:00Z")
        let first = try #require(try await locker.acquire(scheduleID: "s", scheduledFor: at, ttl: 10))
        #expect(try await locker.acquire(scheduleID: "s", scheduledFor: at, ttl: 10) == nil)
        clock.advance(by: 11)
        let second = try #require(try await locker.acquire(scheduleID: "s", scheduledFor: at, ttl: 10))
        try await locker.release(first)
        #expect(locker.heldCount == 1)
        try await locker.release(second)
        #expect(locker.heldCount == 0)
    }
}

import Domain
import Foundation
import SchedulerCore
import Testing

@Suite("Three replicas sharing one store")
struct ReplicaTests {
    static let start = instant("2024-01-01T00:00:00Z")
    static let end = instant("2024-01-08T00:00:00Z")

    static func schedules() -> [ScheduleDefinition] {
        let created = "2024-01-01T00:00:00Z"
        return [
            cronSchedule("five", "*/5 * * * *", created: created),
            cronSchedule("hourly-long", "0 * * * *", created: created, overlap: .skip),
            cronSchedule("flaky", "30 */6 * * *", created: created, maxRetries: 1, retryDelay: 60),
            cronSchedule("queued", "*/10 * * * *", created: created, overlap: .queue),
            ScheduleDefinition(
                id: "every45", agentName: "agent-i", name: "interval", triggerKind: .interval, intervalSeconds: 2_700,
                startAt: start, createdAt: start
            ),
        ]
    }

    static func script(_ call: ScriptedRunner.Call) -> ScriptedRunner.Step {
        switch call.scheduleID {
        case "hourly-long": .init(duration: 70 * 60)
        case "flaky": .init(duration: 10, outcome: call.attempt == 1 ? .failed(error: "agent returned 503") : .success())
        case "queued": .init(duration: 12 * 60)
        default: .init(duration: 60)
        }
    }

    /// Expected fire instants of `id` in (start, end].
    static func occurrences(_ definition: ScheduleDefinition) throws -> [Date] {
        var result: [Date] = []
        var cursor = start
        let trigger = try definition.trigger()
        while let next = trigger.next(after: cursor), next <= end {
            result.append(next)
            cursor = next
        }
        return result
    }

    @Test("a simulated week: every occurrence exactly once, none missed, whatever the third replica's Redis does",
          arguments: [InMemoryLocker.Mode.unavailable, .alwaysHeld])
    func week(thirdLocker: InMemoryLocker.Mode) async throws {
        let harness = EngineHarness(
            start: Self.start, schedules: Self.schedules(), replicas: 3, lockers: [nil, nil, thirdLocker],
            configure: {
                $0.queuePollInterval = 300
                $0.resyncInterval = 900
            },
            script: Self.script
        )
        await harness.start()
        await harness.advance(to: Self.end)
        await harness.advance(by: 3_600)  // let the last runs and retries finish
        let calls = harness.runner.calls
        let rows = harness.store.rows

        // The runner never ran the same (schedule, occurrence, attempt) twice.
        struct Key: Hashable { var id: String; var at: Date; var attempt: Int }
        #expect(Set(calls.map { Key(id: $0.scheduleID, at: $0.scheduledFor, attempt: $0.attempt) }).count == calls.count)
        #expect(Set(rows.map { Key(id: $0.scheduleID, at: $0.scheduledFor, attempt: $0.attempt) }).count == rows.count)

        for definition in Self.schedules() {
            let expected = try Self.occurrences(definition)
            let first = harness.rows(definition.id).filter { $0.attempt == 1 && $0.scheduledFor <= Self.end }
            #expect(first.map(\.scheduledFor) == expected, "every occurrence of \(definition.id) has one row")
        }

        let five = harness.rows("five").filter { $0.scheduledFor <= Self.end }
        #expect(five.count == 7 * 288)
        #expect(five.allSatisfy { $0.status == .success && $0.triggeredBy == .schedule })
        #expect(harness.calls("five").allSatisfy { $0.startedAt == $0.scheduledFor })

        let hourly = harness.rows("hourly-long").filter { $0.scheduledFor <= Self.end }
        #expect(hourly.enumerated().allSatisfy { index, row in
            index % 2 == 0 ? row.status == .success : (row.status == .skipped && row.skipReason == .overlap)
        })

        let flaky = harness.rows("flaky").filter { $0.scheduledFor <= Self.end }
        #expect(flaky.count == 2 * 28)
        #expect(flaky.filter { $0.attempt == 1 }.allSatisfy { $0.status == .failed && $0.triggeredBy == .schedule })
        #expect(flaky.filter { $0.attempt == 2 }.allSatisfy { $0.status == .success && $0.triggeredBy == .retry })
        #expect(harness.calls("flaky").filter { $0.attempt == 2 }.allSatisfy {
            $0.startedAt == $0.scheduledFor.addingTimeInterval(70)
        })

        // Queue: runs never overlap, each one starts when the previous ends (or on time).
        let queued = harness.calls("queued").sorted { $0.startedAt < $1.startedAt }
        for (previous, next) in zip(queued, queued.dropFirst()) {
            #expect(next.startedAt >= previous.startedAt.addingTimeInterval(12 * 60))
        }
        let settled = harness.rows("queued").filter { $0.scheduledFor <= Self.end }
        #expect(settled.allSatisfy { $0.status == .success || $0.skipReason == .overlap }, "\(settled.filter { $0.status != .success && $0.skipReason != .overlap })")

        // Work was spread: more than one replica ran something.
        #expect(Set(rows.filter { $0.status != .skipped }.map(\.workerID)).count >= 2)
        #expect(rows.filter { $0.scheduledFor <= Self.end.addingTimeInterval(-7_200) }.allSatisfy { $0.status != .running })
        await harness.stop()
    }

    @Test("catch-up `all` after downtime with three replicas: each missed occurrence runs once, one after another",
          arguments: [InMemoryLocker.Mode.unavailable, .alwaysHeld])
    func catchupAcrossReplicas(thirdLocker: InMemoryLocker.Mode) async {
        let harness = EngineHarness(
            start: instant("2024-01-01T10:05:00Z"),
            schedules: [cronSchedule("s", "*/10 * * * *", catchup: .all, lastScheduledFor: instant("2024-01-01T09:00:00Z"))],
            replicas: 3, lockers: [nil, nil, thirdLocker],
            script: { _ in .init(duration: 10) }
        )
        await harness.start()
        await harness.advance(to: instant("2024-01-01T10:09:00Z"))
        let calls = harness.calls("s")
        #expect(calls.map { iso($0.scheduledFor) } == [
            "2024-01-01T09:10:00Z", "2024-01-01T09:20:00Z", "2024-01-01T09:30:00Z",
            "2024-01-01T09:40:00Z", "2024-01-01T09:50:00Z", "2024-01-01T10:00:00Z",
        ])
        #expect(harness.rows("s").allSatisfy { $0.status == .success && $0.triggeredBy == .catchup })
        let starts = calls.map(\.startedAt).sorted()
        for (previous, next) in zip(starts, starts.dropFirst()) {
            #expect(next >= previous.addingTimeInterval(10))
        }
        await harness.stop()
    }

    @Test("overlap across replicas: the replica that is not running the previous execution skips too", arguments: [OverlapPolicy.skip, .queue])
    func overlapAcrossReplicas(policy: OverlapPolicy) async {
        let harness = EngineHarness(
            start: instant("2024-01-01T09:59:00Z"),
            schedules: [cronSchedule("s", "*/5 * * * *", created: "2024-01-01T09:59:00Z", overlap: policy)],
            replicas: 2, lockers: [nil, .unavailable],
            script: { _ in .init(duration: 7 * 60) }
        )
        await harness.start()
        await harness.advance(to: instant("2024-01-01T10:29:00Z"))
        let calls = harness.calls("s").sorted { $0.startedAt < $1.startedAt }
        for (previous, next) in zip(calls, calls.dropFirst()) {
            #expect(next.startedAt >= previous.startedAt.addingTimeInterval(7 * 60), "runs overlap")
        }
        let label = { (date: Date) in String(iso(date).dropFirst(11).prefix(5)) }
        if policy == .skip {
            #expect(calls.map { label($0.scheduledFor) } == ["10:00", "10:10", "10:20"])
            #expect(harness.rows("s").filter { $0.status == .skipped }.map { label($0.scheduledFor) } == ["10:05", "10:15", "10:25"])
        } else {
            // 10:05 waits and starts when 10:00 ends (10:07), and so on.
            #expect(calls.map { label($0.startedAt) } == ["10:00", "10:07", "10:14", "10:21", "10:28"])
        }
        await harness.stop()
    }

    @Test("two replicas, same instant: one claims, the other records nothing and runs nothing")
    func twoReplicasOneOccurrence() async {
        let harness = EngineHarness(
            start: instant("2024-01-01T09:59:00Z"),
            schedules: [cronSchedule("s", "0 10 * * *", created: "2024-01-01T09:00:00Z")], replicas: 2
        )
        await harness.start()
        await harness.advance(to: instant("2024-01-01T10:05:00Z"))
        #expect(harness.calls("s").count == 1)
        #expect(harness.rows("s").count == 1)
        let contended = harness.events.flatMap(\.all).filter { if case .lockContended = $0 { true } else { false } }
        #expect(contended.count == 1)
        await harness.stop()
    }

    @Test("a lock holder that dies before claiming: another replica takes the occurrence after the recheck delay")
    func lockHolderDies() async throws {
        let harness = EngineHarness(
            start: instant("2024-01-01T09:59:00Z"),
            schedules: [cronSchedule("s", "0 10 * * *", created: "2024-01-01T09:00:00Z")],
            configure: { $0.lockRecheckDelay = 5 }
        )
        // A dead replica's lock, still within its TTL.
        let held = try await harness.sharedLocker.acquire(scheduleID: "s", scheduledFor: instant("2024-01-01T10:00:00Z"), ttl: 900)
        #expect(held != nil)
        await harness.start()
        await harness.advance(to: instant("2024-01-01T10:01:00Z"))
        #expect(harness.calls("s").map(\.startedAt) == [instant("2024-01-01T10:00:05Z")])
        #expect(harness.rows("s").map(\.triggeredBy) == [.schedule])
        await harness.stop()
    }
}

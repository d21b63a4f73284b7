import Cron
import Domain
import Foundation
import SchedulerCore
import Testing

@Suite("Schedule book")
struct ScheduleBookTests {
    let created = "2024-01-01T09:00:00Z"

    func book(_ definitions: [ScheduleDefinition], at now: String = "2024-01-01T09:30:00Z") -> ScheduleBook {
        var book = ScheduleBook()
        book.applySnapshot(definitions, now: instant(now))
        return book
    }

    @Test("snapshot adds valid schedules with their next fire; the earliest is the next wake")
    func add() {
        var book = book([
            cronSchedule("a", "0 * * * *", created: created),
            cronSchedule("b", "*/20 * * * *", created: created),
        ])
        #expect(book.count == 2)
        #expect(book.nextFire(of: "a") == instant("2024-01-01T10:00:00Z"))
        #expect(book.nextFire(of: "b") == instant("2024-01-01T09:20:00Z"))
        #expect(book.nextWake() == instant("2024-01-01T09:20:00Z"))
    }

    @Test("an edit (revision bump) recomputes the next fire from the edit time, without back-firing")
    func edit() {
        var book = book([cronSchedule("a", "0 * * * *", created: created)])
        var edited = cronSchedule("a", "*/5 * * * *", created: created)
        edited.revision = 2
        edited.updatedAt = instant("2024-01-01T09:31:10Z")
        #expect(book.apply(change: .upsert(edited)) == .changed)
        #expect(book.nextFire(of: "a") == instant("2024-01-01T09:35:00Z"))
        #expect(book.anchor(of: "a") == instant("2024-01-01T09:31:10Z"))
        // 09:05 … 09:30 of the new expression are before the edit: never due.
        #expect(book.popDue(now: instant("2024-01-01T09:34:59Z")).isEmpty)
        let due = book.popDue(now: instant("2024-01-01T09:35:00Z"))
        #expect(due.map(\.plan.runs) == [[PlannedRun(scheduledFor: instant("2024-01-01T09:35:00Z"), triggeredBy: .schedule)]])
        #expect(due.first?.plan.skipped == [])
    }

    @Test("an unchanged schedule keeps its anchor across resyncs: an occurrence fires once")
    func unchangedKeepsAnchor() {
        let schedule = cronSchedule("a", "0 * * * *", created: created)
        var book = book([schedule])
        let first = book.popDue(now: instant("2024-01-01T10:00:00Z"))
        #expect(first.count == 1)
        let summary = book.applySnapshot([schedule], now: instant("2024-01-01T10:00:05Z"))
        #expect(summary.unchanged == 1 && summary.added.isEmpty && summary.changed.isEmpty)
        #expect(book.anchor(of: "a") == instant("2024-01-01T10:00:00Z"))
        #expect(book.popDue(now: instant("2024-01-01T10:00:10Z")).isEmpty)
        #expect(book.nextFire(of: "a") == instant("2024-01-01T11:00:00Z"))

        // A stale (older) revision is ignored.
        var older = schedule
        older.revision = 0
        #expect(book.apply(change: .upsert(older)) == .stale)
    }

    @Test("same revision with a newer last_scheduled_for (another replica got further) moves the anchor forward only")
    func bookkeepingRefresh() {
        var book = book([cronSchedule("a", "0 * * * *", created: created)])
        _ = book.popDue(now: instant("2024-01-01T10:00:00Z"))
        book.applySnapshot([cronSchedule("a", "0 * * * *", created: created, lastScheduledFor: instant("2024-01-01T11:00:00Z"))], now: instant("2024-01-01T11:00:01Z"))
        #expect(book.anchor(of: "a") == instant("2024-01-01T11:00:00Z"))
        #expect(book.nextFire(of: "a") == instant("2024-01-01T12:00:00Z"))
        book.applySnapshot([cronSchedule("a", "0 * * * *", created: created, lastScheduledFor: instant("2024-01-01T08:00:00Z"))], now: instant("2024-01-01T11:00:02Z"))
        #expect(book.anchor(of: "a") == instant("2024-01-01T11:00:00Z"))
        book.markHandled(scheduleID: "a", scheduledFor: instant("2024-01-01T12:00:00Z"))
        #expect(book.nextFire(of: "a") == instant("2024-01-01T13:00:00Z"))
    }

    @Test("delete, disable and absence from a snapshot remove a schedule")
    func remove() {
        var book = book([
            cronSchedule("a", "0 * * * *", created: created),
            cronSchedule("b", "0 * * * *", created: created),
            cronSchedule("c", "0 * * * *", created: created),
        ])
        #expect(book.apply(change: .removed(id: "a")) == .removed)
        #expect(book.apply(change: .removed(id: "zzz")) == .unknown)
        var disabled = cronSchedule("b", "0 * * * *", created: created)
        disabled.enabled = false
        disabled.revision = 2
        #expect(book.apply(change: .upsert(disabled)) == .removed)
        let summary = book.applySnapshot([], now: instant("2024-01-01T09:40:00Z"))
        #expect(summary.removed == ["c"])
        #expect(book.count == 0)
        #expect(book.nextWake() == nil)
    }

    @Test("an invalid expression is listed with its error; the other schedules are unaffected")
    func invalid() {
        var book = book([
            cronSchedule("a", "0 * * * *", created: created),
            cronSchedule("bad", "0 25 * * *", created: created),
            cronSchedule("zone", "0 * * * *", zone: "Nowhere/Land", created: created),
        ])
        #expect(book.count == 1)
        #expect(book.invalid.map(\.id) == ["bad", "zone"])
        #expect(book.invalid.map(\.error.code) == [.invalidCron, .invalidTimeZone])
        #expect(book.invalid[0].error.message.hasPrefix("hour"))
        #expect(book.nextWake() == instant("2024-01-01T10:00:00Z"))

        // Fixing it (new revision) makes it live; breaking a live one lists it.
        var fixed = cronSchedule("bad", "0 12 * * *", created: created)
        fixed.revision = 2
        #expect(book.apply(change: .upsert(fixed)) == .changed)
        var broken = cronSchedule("a", "0 * * *", created: created)
        broken.revision = 2
        guard case .invalid(let listed) = book.apply(change: .upsert(broken)) else {
            Issue.record("expected invalid")
            return
        }
        #expect(listed.id == "a" && listed.error.code == .invalidCron)
        #expect(book.invalid.map(\.id) == ["a", "zone"])
        #expect(book.scheduleIDs == ["bad"])
    }

    @Test("a snapshot leaves schedules changed during its load alone")
    func preserving() {
        var book = book([cronSchedule("a", "0 * * * *", created: created)])
        var edited = cronSchedule("a", "*/10 * * * *", created: created)
        edited.revision = 2
        edited.updatedAt = instant("2024-01-01T09:31:00Z")
        book.apply(change: .upsert(edited))
        book.apply(change: .upsert(cronSchedule("new", "0 * * * *", created: "2024-01-01T09:31:00Z")))
        // The snapshot was read before both changes.
        let summary = book.applySnapshot([cronSchedule("a", "0 * * * *", created: created)], now: instant("2024-01-01T09:31:01Z"), preserving: ["a", "new"])
        #expect(summary.removed.isEmpty)
        #expect(book.definition(of: "a")?.revision == 2)
        #expect(book.contains("new"))
    }

    @Test("once: fires, completes once; a completed schedule is not re-added at the same revision")
    func onceCompletes() {
        let once = ScheduleDefinition(id: "o", agentName: "a", name: "o", triggerKind: .once, runAt: instant("2024-01-01T10:00:00Z"), createdAt: instant(created))
        var book = book([once])
        let due = book.popDue(now: instant("2024-01-01T10:00:00Z"))
        #expect(due.first?.plan.completion == .exhausted)
        #expect(book.takeCompletions() == [ScheduleCompletion(scheduleID: "o", revision: 1, reason: .exhausted)])
        #expect(book.takeCompletions().isEmpty)
        #expect(!book.contains("o") && book.isCompleted("o"))
        book.applySnapshot([once], now: instant("2024-01-01T10:00:30Z"))
        #expect(!book.contains("o"))
        #expect(book.takeCompletions().isEmpty)

        // Re-enabled with a new run_at (new revision): live again.
        var again = once
        again.revision = 3
        again.runAt = instant("2024-01-02T10:00:00Z")
        #expect(book.apply(change: .upsert(again)) == .changed)
        #expect(book.nextFire(of: "o") == instant("2024-01-02T10:00:00Z"))
    }

    @Test("schedules with nothing left are completed when loaded (end_at passed, max_runs reached, once already fired)")
    func completedOnLoad() {
        var fired = ScheduleDefinition(id: "o", agentName: "a", name: "o", triggerKind: .once, runAt: instant("2024-01-01T09:10:00Z"), createdAt: instant(created))
        fired.lastScheduledFor = instant("2024-01-01T09:10:00Z")
        var book = book([
            fired,
            cronSchedule("e", "0 * * * *", created: created, endAt: instant("2024-01-01T09:20:00Z")),
            {
                var s = cronSchedule("m", "0 * * * *", created: created, maxRuns: 2)
                s.runCount = 2
                return s
            }(),
        ])
        #expect(book.count == 0)
        let reasons = book.takeCompletions().sorted { $0.scheduleID < $1.scheduleID }.map(\.reason)
        #expect(reasons == [.endReached, .maxRunsReached, .exhausted])
    }
}

import Domain
import Foundation
import SchedulerCore
import Synchronization
import Testing

/// One or more engines on a shared manual clock, source, store and runner,
/// driven step by step: `advance(to:)` moves the clock to each sleeper's
/// deadline in turn and waits until every engine is idle again, so each
/// engine sees exactly the instants it asked to wake at.
final class EngineHarness: Sendable {
    let clock: ManualClock
    let source: InMemoryScheduleSource
    let store: InMemoryOccurrenceStore
    let runner: ScriptedRunner
    let engines: [SchedulerEngine]
    let events: [EventLog]
    let sharedLocker: InMemoryLocker

    /// - Parameter lockers: one entry per replica; nil = the shared locker.
    init(
        start: Date, schedules: [ScheduleDefinition] = [], replicas: Int = 1, lockers: [InMemoryLocker.Mode?]? = nil,
        configure: (inout SchedulerEngineConfiguration) -> Void = { _ in },
        script: @escaping @Sendable (ScriptedRunner.Call) -> ScriptedRunner.Step = { _ in .init(duration: 30) }
    ) {
        let clock = ManualClock(now: start)
        let sharedLocker = InMemoryLocker(clock: clock)
        self.clock = clock
        self.sharedLocker = sharedLocker
        source = InMemoryScheduleSource(schedules)
        store = InMemoryOccurrenceStore()
        runner = ScriptedRunner(clock: clock, script: script)
        var engines: [SchedulerEngine] = []
        var events: [EventLog] = []
        for index in 0..<replicas {
            var configuration = SchedulerEngineConfiguration(workerID: "worker-\(index + 1)")
            configure(&configuration)
            let mode = lockers?[index] ?? nil
            let locker = mode.map { InMemoryLocker(clock: clock, mode: $0) } ?? sharedLocker
            let log = EventLog()
            events.append(log)
            engines.append(SchedulerEngine(
                configuration: configuration, clock: clock, source: self.source, store: self.store,
                locker: locker, runner: self.runner, observer: log
            ))
        }
        self.engines = engines
        self.events = events
    }

    var engine: SchedulerEngine { engines[0] }

    /// Starts every engine's `run()` and waits until all are idle.
    func start() async {
        for engine in engines {
            Task { await engine.run() }
            while !engine.activity.started { await Task.yield() }
        }
        await settle()
    }

    /// No engine can make progress until the clock moves.
    var isIdle: Bool {
        let live = engines.reduce(0) { $0 + $1.activity.liveTasks }
        let received = engines.reduce(0) { $0 + $1.activity.changesReceived }
        return live == clock.sleeperCount && received == source.deliveredChanges
    }

    func settle(sourceLocation: SourceLocation = #_sourceLocation) async {
        let started = ContinuousClock.now
        var idleChecks = 0
        while idleChecks < 3 {
            idleChecks = isIdle ? idleChecks + 1 : 0
            await Task.yield()
            if ContinuousClock.now - started > .seconds(20) {
                Issue.record("engines did not settle", sourceLocation: sourceLocation)
                return
            }
        }
    }

    /// Advances to `date` one wake-up at a time.
    func advance(to date: Date) async {
        while let deadline = clock.nextDeadline, deadline <= date {
            clock.advance(to: deadline)
            await settle()
        }
        clock.advance(to: date)
        await settle()
    }

    func advance(by seconds: TimeInterval) async {
        await advance(to: clock.now().addingTimeInterval(seconds))
    }

    /// Shuts every engine down, advancing the clock through grace periods.
    @discardableResult
    func stop() async -> [ShutdownReport] {
        var reports: [ShutdownReport] = []
        for engine in engines {
            let result = Box<ShutdownReport?>(nil)
            Task { result.value = await engine.shutdown() }
            while true {
                await settle()
                if let report = result.value {
                    reports.append(report)
                    break
                }
                if let deadline = clock.nextDeadline { clock.advance(to: deadline) } else { await Task.yield() }
            }
        }
        return reports
    }

    func rows(_ scheduleID: String) -> [InMemoryOccurrenceStore.Row] {
        store.rows.filter { $0.scheduleID == scheduleID }.sorted { ($0.scheduledFor, $0.attempt) < ($1.scheduledFor, $1.attempt) }
    }

    func calls(_ scheduleID: String) -> [ScriptedRunner.Call] {
        runner.calls.filter { $0.scheduleID == scheduleID }.sorted { ($0.scheduledFor, $0.attempt) < ($1.scheduledFor, $1.attempt) }
    }
}

/// A value shared with a task.
final class Box<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ value: Value) { storage = Mutex(value) }

    var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

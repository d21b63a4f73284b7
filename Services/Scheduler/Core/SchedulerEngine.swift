import Foundation

/// Fires every enabled schedule's occurrences on time, at most once across
/// replicas.
///
/// `run()` subscribes to changes, starts a full load, then loops: plan what
/// is due (`ScheduleBook.popDue`), hand it to jobs, and sleep on the injected
/// clock until the earliest of the next fire instant, the next follow-up
/// (retry, lock recheck, store retry, queue poll) and the next resync. A
/// change cuts the sleep short, so an edit is live at once; whatever was due
/// before the change is fired first. Resyncs load in their own task, so
/// timers keep firing during a slow load.
///
/// Exactly once: every replica plans the same occurrences. For each, a job
///  1. takes the advisory lock (`OccurrenceLocker`). Held elsewhere: look
///     again after `lockRecheckDelay` and take over only if the holder
///     recorded nothing (it died). Locker unavailable: carry on without it.
///  2. claims the row (`OccurrenceStore.claim`). The store's unique key on
///     `(schedule_id, scheduled_for, attempt)` is the final authority:
///     `.alreadyClaimed` ends the job. For overlap `skip`/`queue` the claim
///     is exclusive (refused with `.busy` while another execution of the
///     schedule runs, atomically), so replicas cannot start overlapping runs.
///  3. runs it, records the outcome guarded by the worker id, and, if it
///     failed and retries remain, schedules attempt n+1 (its own key).
/// Skipped rows (missed, overlap) go through the same key, so one replica's
/// "skipped" and another's "running" can never both be recorded.
///
/// Within one replica, the occurrences of a `skip`/`queue` schedule pass
/// through a lane: one job at a time, catch-up batches one after another.
public actor SchedulerEngine {
    let configuration: SchedulerEngineConfiguration
    let clock: any SchedulerClock
    let source: any ScheduleSource
    let store: any OccurrenceStore
    let locker: any OccurrenceLocker
    let runner: any OccurrenceRunner
    let observer: (any SchedulerEngineObserver)?

    /// For deterministic tests: see `SchedulerEngineActivity`.
    public nonisolated let activity = SchedulerEngineActivity()
    let wake = WakeSignal()

    var book: ScheduleBook
    var followUps = TimerHeap<FollowUpKey>()
    var followUpWork: [FollowUpKey: FollowUp] = [:]
    var lanes: [String: Lane] = [:]
    var ready: [Job] = []
    var readyHead = 0
    var jobs: [UInt64: Task<Void, Never>] = [:]
    var slotsInUse = 0
    var nextJobID: UInt64 = 0
    var running: [String: RunningExecution] = [:]
    /// Schedules this engine reported complete (their retries may still run).
    var completedHere: Set<String> = []
    var state: SchedulerEngineStatus.State = .idle
    var lastSyncAt: Date?
    var lastSyncError: String?
    var nextResyncAt: Date = .distantPast
    var resyncInFlight = false
    var resyncAgain = false
    /// Schedules changed while a snapshot load was in flight (nil: none in flight).
    var changedDuringLoad: Set<String>?
    var sleepingUntil: Date?
    var counters = SchedulerEngineStatus.Counters()
    var drainWaiters: [CheckedContinuation<Void, Never>] = []
    var stopWaiters: [CheckedContinuation<ShutdownReport, Never>] = []
    var shutdownReport: ShutdownReport?

    public init(
        configuration: SchedulerEngineConfiguration, clock: any SchedulerClock, source: any ScheduleSource,
        store: any OccurrenceStore, locker: any OccurrenceLocker, runner: any OccurrenceRunner,
        observer: (any SchedulerEngineObserver)? = nil
    ) {
        self.configuration = configuration
        self.clock = clock
        self.source = source
        self.store = store
        self.locker = locker
        self.runner = runner
        self.observer = observer
        book = ScheduleBook(planner: configuration.planner)
    }

    public var workerID: String { configuration.workerID }

    // MARK: Loop

    /// Runs until `shutdown()` is called, then drains running executions
    /// (bounded by `shutdownGracePeriod`). Cancelling the calling task is a
    /// hard stop: running executions are cancelled at once and reported.
    public func run() async {
        guard state == .idle else { return }
        state = .running
        activity.taskBegan()
        activity.markStarted()
        let changes = source.changes()
        let consumer = Task {
            for await change in changes { self.receive(change) }
        }
        await withTaskCancellationHandler {
            await loop()
        } onCancel: { [wake] in
            wake.requestStop()
        }
        consumer.cancel()
        let report = await drain()
        shutdownReport = report
        state = .stopped
        for waiter in stopWaiters { waiter.resume(returning: report) }
        stopWaiters = []
        activity.taskEnded()
    }

    private func loop() async {
        nextResyncAt = clock.now()
        while !wake.isStopRequested {
            let now = clock.now()
            processDue(now: now)
            if now >= nextResyncAt, !resyncInFlight {
                // Loaded in its own task: due occurrences keep firing meanwhile.
                resyncInFlight = true
                enqueue(.resync)
            }
            let resyncAt = resyncInFlight ? Date.distantFuture : nextResyncAt
            // Capped, so a wall-clock jump can delay the loop by one resync interval at most.
            let cap = now.addingTimeInterval(configuration.resyncInterval)
            let wakeAt = [book.nextWake(), followUps.peek()?.fireAt, resyncAt, cap].compactMap { $0 }.min() ?? cap
            if wakeAt <= now { continue }
            sleepingUntil = wakeAt
            await wake.sleep(on: clock, until: wakeAt)
            sleepingUntil = nil
        }
    }

    /// Cuts the loop's sleep short when `date` is before its deadline.
    func wakeLoop(by date: Date) {
        if let sleepingUntil, date < sleepingUntil { wake.interrupt() }
    }

    // MARK: Sync

    func receive(_ change: ScheduleChange) {
        defer { activity.changeReceived() }
        guard state == .running else { return }
        // Whatever was due before the change arrived fires under the old
        // definition: a late loop must not let an edit swallow it.
        processDue(now: clock.now())
        switch change {
        case .resyncRequested:
            if resyncInFlight { resyncAgain = true } else { nextResyncAt = clock.now() }
            wake.interrupt()
        case .upsert(let definition):
            applyChange(change, id: definition.id)
        case .removed(let id):
            applyChange(change, id: id)
        }
    }

    private func applyChange(_ change: ScheduleChange, id: String) {
        let effect = book.apply(change: change)
        changedDuringLoad?.insert(id)
        emit(.changeApplied(scheduleID: id, effect: effect))
        if effect == .removed { dropWork(scheduleID: id) }
        reportCompletions()
        wake.interrupt()
    }

    /// Full resync (runs as a job): load every enabled schedule and diff.
    func resync() async {
        changedDuringLoad = []
        do {
            let definitions = try await source.loadEnabled()
            let now = clock.now()
            let summary = book.applySnapshot(definitions, now: now, preserving: changedDuringLoad ?? [])
            for id in summary.removed { dropWork(scheduleID: id) }
            lastSyncAt = now
            lastSyncError = nil
            nextResyncAt = now.addingTimeInterval(configuration.resyncInterval)
            completedHere = completedHere.filter { id in book.isCompleted(id) || followUpWork.keys.contains { $0.scheduleID == id } }
            emit(.synced(summary))
        } catch {
            lastSyncError = String(describing: error)
            nextResyncAt = clock.now().addingTimeInterval(configuration.sourceRetryDelay)
            emit(.syncFailed(error: String(describing: error)))
        }
        changedDuringLoad = nil
        resyncInFlight = false
        if resyncAgain {
            resyncAgain = false
            nextResyncAt = clock.now()
        }
        reportCompletions()
        wake.interrupt()
    }

    // MARK: Status and shutdown

    public func status() -> SchedulerEngineStatus {
        SchedulerEngineStatus(
            workerID: configuration.workerID, state: state, schedulesLoaded: book.count,
            invalidSchedules: book.invalid,
            runningExecutions: running.values.sorted { ($0.startedAt, $0.executionID) < ($1.startedAt, $1.executionID) },
            waitingJobs: ready.count - readyHead, pendingFollowUps: followUps.count,
            lastSyncAt: lastSyncAt, lastSyncError: lastSyncError,
            nextWake: [book.nextWake(), followUps.peek()?.fireAt].compactMap { $0 }.min(), counters: counters
        )
    }

    /// Stops firing new occurrences, waits up to `shutdownGracePeriod` for
    /// running executions, cancels the rest and reports them. Returns when
    /// `run()` has finished (at once if it never started).
    public func shutdown() async -> ShutdownReport {
        wake.requestStop()
        switch state {
        case .stopped:
            return shutdownReport ?? ShutdownReport(drained: true, interrupted: [])
        case .idle:
            state = .stopped
            let report = await drain()
            shutdownReport = report
            return report
        case .running, .stopping:
            return await withCheckedContinuation { stopWaiters.append($0) }
        }
    }

    private func drain() async -> ShutdownReport {
        state = .stopping
        ready.removeAll()
        readyHead = 0
        followUps = TimerHeap()
        followUpWork = [:]
        for id in lanes.keys { lanes[id]?.waiting = [] }
        if !jobs.isEmpty {
            let deadline = clock.now().addingTimeInterval(configuration.shutdownGracePeriod)
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.waitForJobs() }
                group.addTask { [clock] in try? await clock.sleep(until: deadline) }
                await group.next()
                group.cancelAll()
            }
        }
        let interrupted = running.values.sorted { $0.executionID < $1.executionID }
        for task in jobs.values { task.cancel() }
        return ShutdownReport(drained: interrupted.isEmpty, interrupted: interrupted)
    }

    private func waitForJobs() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if jobs.isEmpty || Task.isCancelled { continuation.resume() } else { drainWaiters.append(continuation) }
            }
        } onCancel: {
            Task { await self.releaseDrainWaiters() }
        }
    }

    func releaseDrainWaiters() {
        for waiter in drainWaiters { waiter.resume() }
        drainWaiters = []
    }

    func emit(_ event: SchedulerEngineEvent) {
        observer?.schedulerEngine(event)
    }
}

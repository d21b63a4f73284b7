import Domain
import Foundation

/// What the jobs do: lock, overlap decision, claim, run, record, retry.
extension SchedulerEngine {
    func perform(_ job: Job) async {
        switch job {
        case .decide(let occurrences, let admission): await decide(occurrences, admission)
        case .drain(let id): await drainLane(id)
        case .recordSkipped(let skips): await recordSkips(skips)
        case .reportCompletion(let completion): await reportCompletion(completion)
        case .resync: await resync()
        }
    }

    private func decide(_ batch: [Occurrence], _ admission: Admission) async {
        guard let id = batch.first?.scheduleID else { return }
        let usesLane = batch[0].definition.overlap != .allow
        var pollAt: Date?
        defer { if usesLane { laneDone(id, pollAt: pollAt) } }
        guard state == .running, isAllowed(id) else { return }

        let occurrences = batch
        if case .ifUnclaimed = admission {
            // Lock recheck: the holder recorded the first occurrence, so it is
            // alive and owns the batch (the rest run after it, one by one).
            // No row: it died before claiming; take the whole batch over.
            do {
                let first = batch[0]
                if try await store.occurrenceExists(scheduleID: id, scheduledFor: first.scheduledFor, attempt: first.attempt) { return }
            } catch {
                storeFailed("occurrence_exists", id, error)
                return retryLater(batch)
            }
        }

        let first = occurrences[0]
        var lock: LockHandle?
        if case .locked = admission {
            do {
                let ttl = TimeInterval(first.definition.timeoutSeconds) + configuration.lockTTLMargin
                lock = try await locker.acquire(scheduleID: id, scheduledFor: first.scheduledFor, ttl: ttl)
                if lock == nil {
                    counters.lockContended += 1
                    emit(.lockContended(scheduleID: id, scheduledFor: first.scheduledFor))
                    let key = FollowUpKey(scheduleID: id, scheduledFor: first.scheduledFor, attempt: first.attempt, kind: .lockRecheck)
                    addFollowUp(key, FollowUp(occurrences: occurrences, admission: .ifUnclaimed), at: clock.now().addingTimeInterval(configuration.lockRecheckDelay))
                    return
                }
            } catch {
                counters.lockerFailures += 1
                emit(.lockerUnavailable(error: String(describing: error)))
            }
        }
        pollAt = await decideAndRun(occurrences, usesLane: usesLane)
        if let lock {
            do {
                try await locker.release(lock)
            } catch {
                counters.lockerFailures += 1
                emit(.lockerUnavailable(error: String(describing: error)))
            }
        }
    }

    /// Overlap decision and claim for the batch: the first occurrence runs
    /// and the rest wait in the lane. Returns when to poll the lane again.
    ///
    /// For `skip`/`queue` the claim is `exclusive`, so "is the schedule
    /// running?" and "start it" are one atomic step in the store.
    private func decideAndRun(_ occurrences: [Occurrence], usesLane: Bool) async -> Date? {
        let first = occurrences[0]
        let id = first.scheduleID
        let policy = first.definition.overlap
        var queued = 0
        if usesLane {
            await pruneHandledWaiting(id)
            queued = (lanes[id]?.waiting.isEmpty ?? true) ? 0 : 1
            if policy == .queue, queued > 0 {
                // One is waiting already: a second one is skipped.
                await recordSkips(occurrences.map { $0.skipped(.overlap) })
                return nil
            }
        }
        switch await claim(first, exclusive: usesLane) {
        case nil:
            return nil
        case .busy:
            // Re-read: an occurrence may have been queued behind this job meanwhile.
            queued = (lanes[id]?.waiting.isEmpty ?? true) ? 0 : 1
            switch OverlapDecision.decide(policy: policy, isRunning: true, queued: queued) {
            case .skip(let reason):
                await recordSkips(occurrences.map { $0.skipped(reason) })
                return nil
            case .queue, .run:
                lanes[id, default: Lane()].waiting += occurrences
                return clock.now().addingTimeInterval(configuration.queuePollInterval)
            }
        case .alreadyClaimed:
            if occurrences.count > 1 { lanes[id, default: Lane()].waiting.insert(contentsOf: occurrences.dropFirst(), at: 0) }
            return nil
        case .claimed(let executionID):
            if occurrences.count > 1 { lanes[id, default: Lane()].waiting.insert(contentsOf: occurrences.dropFirst(), at: 0) }
            await execute(first, executionID: executionID)
            return nil
        }
    }

    /// Runs the lane's waiting occurrences one after another while no
    /// execution of the schedule is running anywhere.
    private func drainLane(_ id: String) async {
        var pollAt: Date?
        defer { laneDone(id, pollAt: pollAt) }
        while state == .running, isAllowed(id), let next = lanes[id]?.waiting.first {
            do {
                if try await store.isRunning(scheduleID: id) {
                    pollAt = clock.now().addingTimeInterval(configuration.queuePollInterval)
                    return
                }
            } catch {
                storeFailed("is_running", id, error)
                pollAt = clock.now().addingTimeInterval(configuration.storeRetryDelay)
                return
            }
            guard let front = lanes[id]?.waiting.first, front.scheduledFor == next.scheduledFor, front.attempt == next.attempt else { continue }
            lanes[id]?.waiting.removeFirst()
            switch await claim(next, exclusive: true) {
            case nil, .alreadyClaimed:
                continue
            case .busy:
                lanes[id, default: Lane()].waiting.insert(next, at: 0)
                pollAt = clock.now().addingTimeInterval(configuration.queuePollInterval)
                return
            case .claimed(let executionID):
                await execute(next, executionID: executionID)
            }
        }
        if !isAllowed(id) { lanes[id]?.waiting = [] }
    }

    /// Drops waiting occurrences from the front of the lane that another
    /// replica has run or recorded meanwhile, so "one waiting" means one
    /// still to run, as every replica sees it.
    private func pruneHandledWaiting(_ id: String) async {
        while let front = lanes[id]?.waiting.first {
            let exists: Bool
            do {
                exists = try await store.occurrenceExists(scheduleID: id, scheduledFor: front.scheduledFor, attempt: front.attempt)
            } catch {
                return  // keep it: the drain's claim decides later
            }
            guard exists, let current = lanes[id]?.waiting.first,
                current.scheduledFor == front.scheduledFor, current.attempt == front.attempt
            else { return }
            lanes[id]?.waiting.removeFirst()
        }
    }

    /// The store's verdict on the occurrence; nil when the store failed (a
    /// store retry is scheduled or the occurrence abandoned).
    private func claim(_ occurrence: Occurrence, exclusive: Bool) async -> ClaimResult? {
        let id = occurrence.scheduleID
        let result: ClaimResult
        do {
            result = try await store.claim(
                scheduleID: id, scheduledFor: occurrence.scheduledFor, attempt: occurrence.attempt,
                triggeredBy: occurrence.triggeredBy, workerID: configuration.workerID, exclusive: exclusive
            )
        } catch {
            storeFailed("claim", id, error)
            retryLater([occurrence])
            return nil
        }
        if case .alreadyClaimed = result {
            counters.alreadyClaimed += 1
            emit(.alreadyClaimed(scheduleID: id, scheduledFor: occurrence.scheduledFor, attempt: occurrence.attempt))
        }
        return result
    }

    /// Runs a claimed attempt, records the outcome and schedules its retry.
    private func execute(_ occurrence: Occurrence, executionID: String) async {
        let id = occurrence.scheduleID
        let startedAt = clock.now()
        counters.claimed += 1
        emit(.claimed(
            scheduleID: id, scheduledFor: occurrence.scheduledFor, attempt: occurrence.attempt,
            triggeredBy: occurrence.triggeredBy, executionID: executionID, lateness: startedAt.timeIntervalSince(occurrence.dueAt)
        ))
        running[executionID] = RunningExecution(
            executionID: executionID, scheduleID: id, agentName: occurrence.definition.agentName,
            scheduledFor: occurrence.scheduledFor, attempt: occurrence.attempt, triggeredBy: occurrence.triggeredBy,
            startedAt: startedAt
        )
        let outcome = await runner.run(
            occurrence.definition, executionID: executionID, scheduledFor: occurrence.scheduledFor, attempt: occurrence.attempt
        )
        let completedAt = clock.now()
        running[executionID] = nil
        switch outcome {
        case .success: counters.succeeded += 1
        case .failed: counters.failed += 1
        case .cancelled: counters.cancelled += 1
        }
        let recorded = await withWriteRetries("complete", id) {
            try await self.store.complete(executionID: executionID, workerID: self.configuration.workerID, outcome: outcome)
        } ?? false
        emit(.executionFinished(scheduleID: id, executionID: executionID, attempt: occurrence.attempt, outcome: outcome, recorded: recorded))
        // A row this worker no longer owns was recovered elsewhere, with its retry.
        guard case .failed = outcome, recorded, state == .running,
            let retry = RetryPlan.after(failedAttempt: occurrence.attempt, of: occurrence.definition, scheduledFor: occurrence.scheduledFor, completedAt: completedAt)
        else { return }
        counters.retriesScheduled += 1
        let next = Occurrence(
            definition: occurrence.definition, scheduledFor: retry.scheduledFor, attempt: retry.attempt,
            triggeredBy: .retry, dueAt: retry.runAt
        )
        let key = FollowUpKey(scheduleID: id, scheduledFor: retry.scheduledFor, attempt: retry.attempt, kind: .retry)
        addFollowUp(key, FollowUp(occurrences: [next], admission: .locked), at: retry.runAt)
        emit(.retryScheduled(scheduleID: id, retry))
    }

    func recordSkips(_ skips: [SkippedOccurrence]) async {
        guard let first = skips.first else { return }
        let inserted = await withWriteRetries("record_skipped", first.scheduleID) {
            try await self.store.recordSkipped(skips, workerID: self.configuration.workerID)
        }
        counters.skippedRecorded += inserted ?? 0
        emit(.skipped(scheduleID: first.scheduleID, reason: first.reason, count: skips.count, inserted: inserted ?? 0))
    }

    private func reportCompletion(_ completion: ScheduleCompletion) async {
        let done: Void? = await withWriteRetries("schedule_completed", completion.scheduleID) {
            try await self.source.scheduleCompleted(completion)
        }
        if done == nil { emit(.completionReportFailed(completion, error: "gave up after \(configuration.writeAttempts) attempts")) }
    }

    /// The store failed before the occurrence was claimed: try again shortly,
    /// or abandon it once it is `storeRetryWindow` late.
    private func retryLater(_ occurrences: [Occurrence]) {
        guard let first = occurrences.first else { return }
        let now = clock.now()
        guard state == .running, now.timeIntervalSince(first.dueAt) <= configuration.storeRetryWindow else {
            for occurrence in occurrences {
                counters.abandoned += 1
                emit(.occurrenceAbandoned(scheduleID: occurrence.scheduleID, scheduledFor: occurrence.scheduledFor, attempt: occurrence.attempt, error: "store unavailable"))
            }
            return
        }
        let key = FollowUpKey(scheduleID: first.scheduleID, scheduledFor: first.scheduledFor, attempt: first.attempt, kind: .storeRetry)
        addFollowUp(key, FollowUp(occurrences: occurrences, admission: .direct), at: now.addingTimeInterval(configuration.storeRetryDelay))
    }

    /// Runs a write up to `writeAttempts` times, backing off on the clock.
    private func withWriteRetries<T: Sendable>(_ operation: String, _ id: String, _ body: @Sendable () async throws -> T) async -> T? {
        for attempt in 1...configuration.writeAttempts {
            do {
                return try await body()
            } catch {
                storeFailed(operation, id, error)
                guard attempt < configuration.writeAttempts else { break }
                let backoff = configuration.storeRetryDelay * Double(attempt)
                do { try await clock.sleep(until: clock.now().addingTimeInterval(backoff)) } catch { break }
            }
        }
        return nil
    }

    private func storeFailed(_ operation: String, _ id: String?, _ error: any Error) {
        counters.storeFailures += 1
        emit(.storeFailed(operation: operation, scheduleID: id, error: String(describing: error)))
    }
}

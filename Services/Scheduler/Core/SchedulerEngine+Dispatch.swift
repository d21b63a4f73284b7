import Domain
import Foundation

/// Turning due plans and follow-ups into jobs, within the concurrency limit.
extension SchedulerEngine {
    func processDue(now: Date) {
        for due in replicaOrder(book.popDue(now: now)) { handle(due) }
        reportCompletions()
        for timer in followUps.popDue(now: now) {
            guard let work = followUpWork.removeValue(forKey: timer.id) else { continue }
            fireFollowUp(timer.id, work)
        }
        startJobs()
    }

    /// Occurrences due at the same second in an order of this replica's own (a hash of its
    /// worker id and the schedule id): every replica races for every occurrence, and with the
    /// same order one replica would win nearly all of a burst while the others wait on its
    /// locks; with different orders each starts on a different part and the burst is shared.
    /// Earlier seconds still go first.
    private func replicaOrder(_ due: [DueOccurrence]) -> [DueOccurrence] {
        guard due.count > 1 else { return due }
        let seed = Self.fnv1a(configuration.workerID, basis: 0xcbf2_9ce4_8422_2325)
        return due.map { item -> (second: Int64, rank: UInt64, item: DueOccurrence) in
            let first = item.plan.runs.first?.scheduledFor ?? .distantPast
            return (Int64(first.timeIntervalSince1970.rounded(.down)), Self.fnv1a(item.definition.id, basis: seed), item)
        }
        .sorted { ($0.second, $0.rank) < ($1.second, $1.rank) }
        .map(\.item)
    }

    static func fnv1a(_ text: String, basis: UInt64) -> UInt64 {
        var hash = basis
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }

    private func handle(_ due: DueOccurrence) {
        let definition = due.definition
        let plan = due.plan
        if !plan.skipped.isEmpty {
            enqueue(.recordSkipped(plan.skipped.map {
                SkippedOccurrence(
                    scheduleID: definition.id, agentName: definition.agentName, scheduledFor: $0,
                    attempt: 1, triggeredBy: .schedule, reason: .missed
                )
            }))
        }
        if plan.unrecordedSkips > 0 {
            emit(.missedNotRecorded(scheduleID: definition.id, count: plan.unrecordedSkips, isLowerBound: plan.unrecordedSkipsIsLowerBound))
        }
        let occurrences = plan.runs.map {
            Occurrence(definition: definition, scheduledFor: $0.scheduledFor, attempt: 1, triggeredBy: $0.triggeredBy, dueAt: $0.scheduledFor)
        }
        submit(occurrences, admission: .locked)
    }

    /// Starts the occurrences of one schedule: each in its own job under
    /// `allow`; otherwise as one batch through the schedule's lane (one job
    /// at a time per schedule here, the batch runs one by one).
    func submit(_ occurrences: [Occurrence], admission: Admission) {
        guard let first = occurrences.first else { return }
        let definition = first.definition
        if definition.overlap == .allow {
            for occurrence in occurrences { enqueue(.decide([occurrence], admission)) }
            return
        }
        var lane = lanes[definition.id] ?? Lane()
        if lane.busy {
            // A job of this schedule is in flight here: that is "running".
            let queued = lane.waiting.isEmpty ? 0 : 1
            switch OverlapDecision.decide(policy: definition.overlap, isRunning: true, queued: queued) {
            case .skip(let reason): enqueue(.recordSkipped(occurrences.map { $0.skipped(reason) }))
            case .queue, .run: lane.waiting += occurrences
            }
        } else {
            lane.busy = true
            enqueue(.decide(occurrences, admission))
        }
        lanes[definition.id] = lane
    }

    private func fireFollowUp(_ key: FollowUpKey, _ work: FollowUp) {
        switch key.kind {
        case .lanePoll:
            pollLane(key.scheduleID)
        case .retry, .lockRecheck, .storeRetry:
            guard isAllowed(key.scheduleID) else { return }
            let latest = book.definition(of: key.scheduleID)
            let occurrences = work.occurrences.map { occurrence in
                var updated = occurrence
                if let latest { updated.definition = latest }
                return updated
            }
            submit(occurrences, admission: work.admission)
        }
    }

    /// Starts a drain job for a lane with waiting occurrences and no job.
    func pollLane(_ id: String) {
        guard var lane = lanes[id], !lane.busy, !lane.waiting.isEmpty else { return }
        lane.busy = true
        lanes[id] = lane
        enqueue(.drain(scheduleID: id))
    }

    /// The lane's job ended; waiting occurrences go next (now, or at `pollAt`
    /// when another replica's execution is still running).
    func laneDone(_ id: String, pollAt: Date?) {
        guard var lane = lanes[id] else { return }
        lane.busy = false
        guard !lane.waiting.isEmpty, state == .running else {
            lanes[id] = nil
            return
        }
        lanes[id] = lane
        if let pollAt {
            addFollowUp(FollowUpKey(scheduleID: id, scheduledFor: .distantPast, attempt: 0, kind: .lanePoll), FollowUp(occurrences: [], admission: .direct), at: pollAt)
        } else {
            pollLane(id)
        }
    }

    func addFollowUp(_ key: FollowUpKey, _ work: FollowUp, at date: Date) {
        guard state == .running else { return }
        followUps.schedule(key, at: date)
        followUpWork[key] = work
        wakeLoop(by: date)
    }

    /// Whether work for the schedule may still start: it is enabled, or this
    /// engine completed it (its retries still run).
    func isAllowed(_ id: String) -> Bool {
        book.contains(id) || book.isCompleted(id) || completedHere.contains(id)
    }

    /// The schedule was deleted or disabled: forget what waits for it.
    func dropWork(scheduleID id: String) {
        guard !completedHere.contains(id) else { return }
        lanes[id]?.waiting = []
        for key in followUpWork.keys where key.scheduleID == id {
            followUpWork[key] = nil
            followUps.cancel(key)
        }
    }

    func reportCompletions() {
        for completion in book.takeCompletions() {
            completedHere.insert(completion.scheduleID)
            emit(.scheduleCompleted(completion))
            enqueue(.reportCompletion(completion))
        }
    }

    // MARK: Jobs

    func enqueue(_ job: Job) {
        if job.needsSlot {
            guard state == .running else { return }
            ready.append(job)
            startJobs()
        } else {
            spawn(job)
        }
    }

    func startJobs() {
        while state == .running, slotsInUse < configuration.maxConcurrentExecutions, readyHead < ready.count {
            let job = ready[readyHead]
            readyHead += 1
            spawn(job)
        }
        if readyHead > 256, readyHead * 2 > ready.count {
            ready.removeFirst(readyHead)
            readyHead = 0
        }
    }

    private func spawn(_ job: Job) {
        if job.needsSlot { slotsInUse += 1 }
        let id = nextJobID
        nextJobID += 1
        activity.taskBegan()
        jobs[id] = Task {
            await self.perform(job)
            self.jobFinished(id, job)
            self.activity.taskEnded()
        }
    }

    private func jobFinished(_ id: UInt64, _ job: Job) {
        jobs[id] = nil
        if job.needsSlot { slotsInUse -= 1 }
        if jobs.isEmpty { releaseDrainWaiters() }
        startJobs()
    }
}

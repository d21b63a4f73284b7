import Cron
import Domain
import Foundation
import Logging
import Postgres
import SchedulerCore

/// Writes the end of attempts: the execution row (only while it is still this worker's
/// running execution), the schedule's bookkeeping (last run, run count, failure streak,
/// auto-pause, next run) and the completion event, in one transaction. Completions that
/// arrive together are written together (group commit), in a fixed number of statements.
final class ExecutionCompletion: Sendable {
    let pool: PostgresPool
    let events: EventLog
    let logger: Logger
    private let queue: GroupCommitQueue<Request, Bool>

    struct Request: Sendable {
        var executionID: UUID
        var workerID: String
        var outcome: RunOutcome
    }

    init(pool: PostgresPool, events: EventLog, logger: Logger, maxBatch: Int = 500, writers: Int = 2) {
        self.pool = pool
        self.events = events
        self.logger = logger
        let writer = Writer(pool: pool, events: events, logger: logger)
        queue = GroupCommitQueue(maxBatch: maxBatch, maxWriters: writers) { try await writer.write($0) }
    }

    /// Records the outcome; false when the row is no longer this worker's running execution
    /// (recovered or cancelled meanwhile) and nothing was written.
    func complete(executionID: String, workerID: String, outcome: RunOutcome) async throws -> Bool {
        guard let id = UUID(uuidString: executionID) else { return false }
        let written = try await queue.submit(Request(executionID: id, workerID: workerID, outcome: outcome))
        if !written {
            logger.warning("result not recorded: the execution is no longer this worker's (recovered or cancelled)",
                           metadata: ["execution_id": "\(executionID)"])
        }
        return written
    }
}

extension ExecutionCompletion {
    /// One batch of completions in one transaction.
    struct Writer: Sendable {
        let pool: PostgresPool
        let events: EventLog
        let logger: Logger

        /// What the executions UPDATE returned for one request.
        private struct Finished {
            var request: Int
            var agent: String
            var scheduleID: UUID?
            var scheduleName: String?
            var triggeredBy: String
            var durationMS: Int
            var attempt: Int
        }

        func write(_ requests: [Request]) async throws -> [Bool] {
            var published: [EventLog.Pending] = []
            let written = try await pool.withTransaction { tx -> [Bool] in
                let finished = try await updateExecutions(requests, tx)
                var drafts: [EventLog.Draft] = finished.map { done in
                    let request = requests[done.request]
                    var fields: [String: JSONValue] = [
                        "execution_id": .string(request.executionID.uuidString.lowercased()), "triggered_by": .string(done.triggeredBy),
                        "status": .string(request.outcome.status.rawValue), "duration_ms": .int(done.durationMS),
                        "error": request.outcome.errorMessage.map(JSONValue.string) ?? .null, "attempt": .int(done.attempt),
                    ]
                    if let scheduleID = done.scheduleID {
                        fields["schedule_id"] = .string(scheduleID.uuidString.lowercased())
                        fields["schedule_name"] = done.scheduleName.map(JSONValue.string) ?? .null
                    }
                    return EventLog.Draft(type: .executionCompleted, agent: done.agent, fields: fields)
                }
                drafts += try await updateSchedules(finished.filter { $0.scheduleID != nil }, requests, tx)
                published = try await events.recordAll(drafts, in: tx)
                // Slots of these agents are free: wake the queued-execution workers if runs are waiting for them.
                let agents = Set(finished.map(\.agent)).sorted()
                if !agents.isEmpty {
                    try await tx.execute(
                        """
                        SELECT count(pg_notify('executions_pending', a)) AS woken FROM unnest($1::text[]) AS a
                        WHERE EXISTS (SELECT 1 FROM executions WHERE agent_name = a AND status = 'pending')
                        """, .textArray(agents))
                }
                var written = [Bool](repeating: false, count: requests.count)
                for done in finished { written[done.request] = true }
                return written
            }
            await events.publish(published)
            return written
        }

        private func updateExecutions(_ requests: [Request], _ tx: PostgresTransaction) async throws -> [Finished] {
            let details = requests.map { $0.outcome.details }
            let logs: [String?] = try details.map { try $0["execution_log"].map { try EventLog.encode($0) } }
            let rows = try await tx.query(
                """
                UPDATE executions e SET status = r.status, error = r.error, completed_at = now(),
                    duration_ms = GREATEST(1, (EXTRACT(EPOCH FROM now() - COALESCE(e.started_at, now())) * 1000)::bigint),
                    response = r.response, response_truncated = r.truncated, cost = r.cost, context_used = r.used,
                    context_max = r.max, tool_calls = r.tools, execution_log = r.log,
                    session_id = COALESCE(r.session, e.session_id), model_used = COALESCE(r.model, e.model_used),
                    message = COALESCE(r.message, e.message)
                FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::float8[], $8::bigint[],
                            $9::bigint[], $10::int[], $11::jsonb[], $12::text[], $13::text[], $14::text[], $15::int[])
                     AS r(id, worker, status, error, response, truncated, cost, used, max, tools, log, session, model, message, i)
                WHERE e.id = r.id AND e.worker_id = r.worker AND e.status = 'running'
                RETURNING r.i, e.schedule_id, e.agent_name, e.triggered_by, e.duration_ms, e.attempt,
                    (SELECT name FROM schedules WHERE id = e.schedule_id) AS schedule_name
                """,
                .uuidArray(requests.map(\.executionID)), .textArray(requests.map(\.workerID)),
                .textArray(requests.map(\.outcome.status.rawValue)), .optionalTextArray(requests.map(\.outcome.errorMessage)),
                .optionalTextArray(details.map { $0["response"]?.stringValue }),
                .textArray(details.map { $0["response_truncated"] == .bool(true) ? "true" : "false" }),
                .optionalTextArray(details.map { $0["cost"]?.doubleValue.map { String($0) } }),
                .optionalTextArray(details.map { $0["context_used"]?.intValue.map(String.init) }),
                .optionalTextArray(details.map { $0["context_max"]?.intValue.map(String.init) }),
                .optionalTextArray(details.map { $0["tool_calls"]?.intValue.map(String.init) }),
                .optionalTextArray(logs),
                .optionalTextArray(details.map { $0["session_id"]?.stringValue }),
                .optionalTextArray(details.map { $0["model_used"]?.stringValue }),
                .optionalTextArray(details.map { $0["message"]?.stringValue }),
                .intArray(Array(requests.indices)))
            return try rows.map { row in
                Finished(
                    request: try row.decode(Int.self, at: "i"), agent: try row.decode(String.self, at: "agent_name"),
                    scheduleID: try row.decodeIfPresent(UUID.self, at: "schedule_id"),
                    scheduleName: try row.decodeIfPresent(String.self, at: "schedule_name"),
                    triggeredBy: try row.decode(String.self, at: "triggered_by"), durationMS: try row.decode(Int.self, at: "duration_ms"),
                    attempt: try row.decode(Int.self, at: "attempt"))
            }.sorted { $0.request < $1.request }
        }

        /// Last run, run count, the failure streak (auto-pause at `max_consecutive_failures`)
        /// and `next_run_at`; returns the `schedule_paused` events. Runs of one schedule in the
        /// same batch are applied in rounds, in order, so each sees the streak the previous left.
        private func updateSchedules(_ finished: [Finished], _ requests: [Request], _ tx: PostgresTransaction) async throws -> [EventLog.Draft] {
            guard !finished.isEmpty else { return [] }
            // Row locks in id order: concurrent batches (claims lock the same rows, sorted) never deadlock.
            try await ScheduleRowLocks.lock(Set(finished.compactMap(\.scheduleID)), in: tx)
            var drafts: [EventLog.Draft] = []
            var remaining = finished
            while !remaining.isEmpty {
                var seen = Set<UUID>()
                var round: [Finished] = []
                var later: [Finished] = []
                for done in remaining {
                    if let id = done.scheduleID, seen.insert(id).inserted { round.append(done) } else { later.append(done) }
                }
                drafts += try await updateSchedules(round: round, requests, tx)
                remaining = later
            }
            return drafts
        }

        private func updateSchedules(round: [Finished], _ requests: [Request], _ tx: PostgresTransaction) async throws -> [EventLog.Draft] {
            let statuses = round.map { requests[$0.request].outcome.status }
            let rows = try await tx.query(
                """
                UPDATE schedules s SET last_run_at = now(), run_count = s.run_count + r.counts,
                    consecutive_failures = CASE WHEN r.failed THEN s.consecutive_failures + 1
                                                WHEN r.succeeded THEN 0 ELSE s.consecutive_failures END,
                    -- A one-time schedule is done once its occurrence ran (success, or failure with no retry left).
                    enabled = CASE WHEN s.trigger = 'once' AND r.counts = 1 AND (r.succeeded OR r.attempt > s.max_retries)
                                   THEN false ELSE s.enabled END,
                    next_run_at = CASE WHEN s.trigger = 'once' AND r.counts = 1 AND (r.succeeded OR r.attempt > s.max_retries)
                                       THEN NULL ELSE s.next_run_at END
                FROM unnest($1::uuid[], $2::int[], $3::bool[], $4::bool[], $5::int[]) AS r(sid, counts, failed, succeeded, attempt)
                WHERE s.id = r.sid
                RETURNING s.id, s.name, s.agent_name, s.enabled, s.consecutive_failures, s.max_consecutive_failures, r.failed,
                    (s.trigger = 'once' AND r.counts = 1 AND (r.succeeded OR r.attempt > s.max_retries)) AS once_done
                """,
                .uuidArray(round.compactMap(\.scheduleID)),
                .intArray(round.map { ["schedule", "catchup", "retry"].contains($0.triggeredBy) ? 1 : 0 }),
                .textArray(statuses.map { $0 == .failed ? "true" : "false" }),
                .textArray(statuses.map { $0 == .success ? "true" : "false" }),
                .intArray(round.map(\.attempt)))
            var paused: [(id: UUID, name: String, agent: String, streak: Int)] = []
            var completed: [EventLog.Draft] = []
            for row in rows {
                if try row.decode(Bool.self, at: "once_done") {
                    // The one-time schedule is done: `schedule_completed`, written with the disabling update.
                    completed.append(ScheduleCompletedEvent.draft(
                        scheduleID: try row.decode(UUID.self, at: "id"), agent: try row.decode(String.self, at: "agent_name"),
                        name: try row.decode(String.self, at: "name"), reason: ScheduleCompletedEvent.onceDone))
                    continue
                }
                let streak = try row.decode(Int.self, at: "consecutive_failures")
                let limit = try row.decode(Int.self, at: "max_consecutive_failures")
                guard try row.decode(Bool.self, at: "failed"), limit > 0, streak >= limit, try row.decode(Bool.self, at: "enabled") else { continue }
                paused.append((try row.decode(UUID.self, at: "id"), try row.decode(String.self, at: "name"), try row.decode(String.self, at: "agent_name"), streak))
            }
            guard !paused.isEmpty else { return completed }
            try await tx.execute(
                """
                UPDATE schedules s SET enabled = false, next_run_at = NULL,
                    paused_reason = 'paused after ' || r.streak || ' consecutive failures'
                FROM unnest($1::uuid[], $2::int[]) AS r(sid, streak) WHERE s.id = r.sid
                """, .uuidArray(paused.map(\.id)), .intArray(paused.map(\.streak)))
            return completed + paused.map { schedule in
                logger.warning("schedule auto-paused", metadata: ["schedule_id": "\(schedule.id.uuidString.lowercased())", "failures": "\(schedule.streak)"])
                return EventLog.Draft(type: .schedulePaused, agent: schedule.agent, fields: [
                    "schedule_id": .string(schedule.id.uuidString.lowercased()), "schedule_name": .string(schedule.name),
                    "reason": .string("paused after \(schedule.streak) consecutive failures"), "consecutive_failures": .int(schedule.streak),
                ])
            }
        }
    }
}

extension RunOutcome {
    /// What the store records with the result (response, cost, log…), as an object.
    var details: [String: JSONValue] {
        switch self {
        case .success(let value), .failed(_, let value): value.objectValue
        case .cancelled: [:]
        }
    }

    /// The error recorded with the result: the failure's message or the cancel reason.
    var errorMessage: String? {
        switch self {
        case .success: nil
        case .failed(let message, _): message
        case .cancelled(let reason): reason
        }
    }
}

extension JSONValue {
    var objectValue: [String: JSONValue] {
        if case .object(let members) = self { return members }
        return [:]
    }
}

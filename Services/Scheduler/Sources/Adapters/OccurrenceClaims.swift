import Cron
import Domain
import Foundation
import Logging
import Postgres
import SchedulerCore

/// Claims of occurrences, written in batches (group commit): when many occurrences fall due
/// at once, one transaction claims all that arrived together, with a fixed number of
/// statements whatever the batch size. The rules are those of a single claim:
///
/// - the unique occurrence key `(schedule_id, scheduled_for, attempt)` decides who runs an
///   occurrence (an existing row, or one claimed earlier in the batch: `alreadyClaimed`);
/// - a stopped agent or one with autonomy off: the occurrence is recorded `skipped` with the reason;
/// - `exclusive` (overlap skip/queue) and an execution of the schedule running: `busy`, nothing written;
/// - the agent at `max_concurrency`, or a turn of the same conversation (`session_key`, same
///   agent) running or waiting: the occurrence is queued `pending` (started in due order by the
///   queued-execution worker when a slot frees / its turn comes), never dropped;
/// - otherwise the row is inserted `running` for this worker, with its started event.
///
/// Locks, always in this order so concurrent batches (of this or another replica) never
/// deadlock: the schedules' advisory locks sorted by id, then the agents' sorted by name (the
/// queued-execution worker takes only an agent's lock). The running counts are read after the
/// agent locks are held, in a statement of their own, so they see every commit before the lock.
struct OccurrenceClaims: Sendable {
    let pool: PostgresPool
    let events: EventLog
    let logger: Logger

    struct Request: Sendable {
        var scheduleID: UUID
        var scheduledFor: Date
        var attempt: Int
        var triggeredBy: TriggeredBy
        var workerID: String
        var exclusive: Bool

        var key: String { scheduleID.uuidString.lowercased() }
    }

    private struct ScheduleInfo {
        var agent: String
        var name: String
        var agentEnabled: Bool
        var autonomyEnabled: Bool
        var taken: Bool
        var running: Bool
        /// The schedule's conversation key: while a turn of that conversation (same agent) is
        /// running or waiting, this one waits its turn, queued (see `SessionGate`).
        var sessionKey: String?
    }

    private struct Row {
        var request: Int
        var id: UUID
        var status: ExecutionStatus
        var skipReason: SkipReason?
    }

    private struct OccurrenceKey: Hashable {
        var scheduleID: UUID
        var scheduledFor: Date
        var attempt: Int
    }

    func claim(_ requests: [Request]) async throws -> [ClaimResult] {
        var published: [EventLog.Pending] = []
        let results = try await pool.withTransaction { tx -> [ClaimResult] in
            let (results, pending) = try await claim(requests, in: tx)
            published = pending
            return results
        }
        await events.publish(published)
        return results
    }

    private func claim(_ requests: [Request], in tx: PostgresTransaction) async throws -> ([ClaimResult], [EventLog.Pending]) {
        try await tx.execute(
            """
            SELECT count(pg_advisory_xact_lock(hashtextextended(k, 7))) AS locked
            FROM (SELECT DISTINCT k FROM unnest($1::text[]) AS k ORDER BY k OFFSET 0) AS keys
            """, .textArray(requests.map(\.key)))
        let infos = try await scheduleInfo(requests, tx)
        let agents = Set(infos.values.map(\.agent)).sorted()
        var free: [String: Int] = [:]
        if !agents.isEmpty {
            try await tx.execute(
                """
                SELECT count(pg_advisory_xact_lock(hashtextextended(k, 11))) AS locked
                FROM (SELECT k FROM unnest($1::text[]) AS k ORDER BY k OFFSET 0) AS keys
                """, .textArray(agents))
            for row in try await tx.query(
                """
                SELECT a.name, a.max_concurrency - (SELECT count(*) FROM executions e
                    WHERE e.agent_name = a.name AND e.status = 'running')::int AS free
                FROM agents a WHERE a.name = ANY($1)
                """, .textArray(agents))
            {
                free[try row.decode(String.self, at: "name")] = try row.decode(Int.self, at: "free")
            }
        }

        // Conversations (session_key) with a turn running or waiting, read under the agent locks
        // (a concurrent batch of the same agent has committed its turns by now).
        var busyConversations = Set<UUID>()
        let keyed = infos.filter { $0.value.sessionKey != nil }.map { requests[$0.key].scheduleID }
        if !keyed.isEmpty {
            for row in try await tx.query(
                """
                SELECT s.id FROM schedules s WHERE s.id = ANY($1) AND EXISTS (
                    SELECT 1 FROM executions e WHERE e.agent_name = s.agent_name AND e.session_key = s.session_key
                      AND e.status IN ('running', 'pending'))
                """, .uuidArray(Array(Set(keyed))))
            {
                busyConversations.insert(try row.decode(UUID.self, at: "id"))
            }
        }

        var results = [ClaimResult](repeating: .alreadyClaimed, count: requests.count)
        var rows: [Row] = []
        var seen = Set<OccurrenceKey>()
        var startedHere = Set<UUID>()
        var conversationsHere = Set<String>()
        for (index, request) in requests.enumerated() {
            guard let info = infos[index] else { continue }  // deleted meanwhile
            let key = OccurrenceKey(scheduleID: request.scheduleID, scheduledFor: request.scheduledFor, attempt: request.attempt)
            if info.taken || seen.contains(key) { continue }
            if !info.agentEnabled || !info.autonomyEnabled {
                seen.insert(key)
                rows.append(Row(request: index, id: UUID(), status: .skipped, skipReason: info.agentEnabled ? .autonomyDisabled : .agentStopped))
                continue
            }
            if request.exclusive, info.running || startedHere.contains(request.scheduleID) {
                results[index] = .busy
                continue
            }
            seen.insert(key)
            let conversation = info.sessionKey.map { info.agent + "\u{0}" + $0 }
            let turnWaits = busyConversations.contains(request.scheduleID) || conversation.map(conversationsHere.contains) ?? false
            if let conversation { conversationsHere.insert(conversation) }
            if !turnWaits, free[info.agent, default: 0] > 0 {
                free[info.agent, default: 0] -= 1
                startedHere.insert(request.scheduleID)
                let id = UUID()
                rows.append(Row(request: index, id: id, status: .running))
                results[index] = .claimed(executionID: id.uuidString.lowercased())
            } else {
                rows.append(Row(request: index, id: UUID(), status: .pending))
            }
        }
        guard !rows.isEmpty else { return (results, []) }

        let workerID = requests[0].workerID
        let inserted = Set(try await tx.query(
            """
            INSERT INTO executions (id, schedule_id, agent_name, scheduled_for, attempt, triggered_by, status, skip_reason,
                                    started_at, heartbeat_at, completed_at, message, context, model_used, worker_id)
            SELECT r.id, s.id, s.agent_name, r.at, r.attempt, r.kind, r.status, NULLIF(r.reason, ''),
                   CASE WHEN r.status = 'running' THEN now() END, CASE WHEN r.status = 'running' THEN now() END,
                   CASE WHEN r.status = 'skipped' THEN now() END,
                   s.message, CASE WHEN r.status <> 'skipped' THEN s.context END, CASE WHEN r.status <> 'skipped' THEN s.model END,
                   CASE WHEN r.status <> 'pending' THEN $8 END
            FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::int[], $5::text[], $6::text[], $7::text[])
                 AS r(id, sid, at, attempt, kind, status, reason)
            JOIN schedules s ON s.id = r.sid
            ON CONFLICT DO NOTHING
            RETURNING id
            """,
            .uuidArray(rows.map(\.id)), .uuidArray(rows.map { requests[$0.request].scheduleID }),
            .timestampArray(rows.map { requests[$0.request].scheduledFor }), .intArray(rows.map { requests[$0.request].attempt }),
            .textArray(rows.map { requests[$0.request].triggeredBy.rawValue }), .textArray(rows.map(\.status.rawValue)),
            .textArray(rows.map { $0.skipReason?.rawValue ?? "" }), .text(workerID)
        ).map { try $0.decode(UUID.self, at: "id") })

        var drafts: [EventLog.Draft] = []
        var queued: [UUID] = []
        var skippedOnce: [Row] = []
        for row in rows {
            let request = requests[row.request]
            guard inserted.contains(row.id), let info = infos[row.request] else {
                results[row.request] = .alreadyClaimed  // a conflicting row appeared: its writer owns the occurrence
                continue
            }
            var fields: [String: JSONValue] = [
                "schedule_id": .string(request.key), "execution_id": .string(row.id.uuidString.lowercased()),
                "schedule_name": .string(info.name), "triggered_by": .string(request.triggeredBy.rawValue),
                "scheduled_for": .string(InstantFormat.string(request.scheduledFor)),
            ]
            switch row.status {
            case .running:
                fields["attempt"] = .int(request.attempt)
                drafts.append(EventLog.Draft(type: .executionStarted, agent: info.agent, fields: fields))
            case .skipped:
                fields["reason"] = .string(row.skipReason?.rawValue ?? "")
                drafts.append(EventLog.Draft(type: .executionSkipped, agent: info.agent, fields: fields))
                skippedOnce.append(row)
                logger.info("occurrence skipped", metadata: [
                    "schedule_id": "\(request.key)", "scheduled_for": "\(InstantFormat.string(request.scheduledFor))",
                    "reason": "\(row.skipReason?.rawValue ?? "")",
                ])
            default:
                queued.append(row.id)
                logger.info("agent at max_concurrency: occurrence queued", metadata: ["schedule_id": "\(request.key)", "agent": "\(info.agent)"])
            }
        }
        if !skippedOnce.isEmpty {
            // A one-time schedule whose only occurrence is recorded as skipped is done. Row locks
            // in id order first, as completions take them, so the two never deadlock.
            try await ScheduleRowLocks.lock(Set(skippedOnce.map { requests[$0.request].scheduleID }), in: tx)
            try await tx.execute(
                """
                UPDATE schedules s SET enabled = false, next_run_at = NULL
                FROM unnest($1::uuid[], $2::timestamptz[]) AS r(sid, at)
                WHERE s.id = r.sid AND s.trigger = 'once' AND s.run_at = r.at AND s.enabled
                """,
                .uuidArray(skippedOnce.map { requests[$0.request].scheduleID }),
                .timestampArray(skippedOnce.map { requests[$0.request].scheduledFor }))
        }
        if let first = queued.first {
            // Wakes the queued-execution workers (the payload is informative only).
            try await tx.execute("SELECT pg_notify('executions_pending', $1)", .text(first.uuidString.lowercased()))
        }
        return (results, try await events.recordAll(drafts, in: tx))
    }

    /// Per request (by index): its schedule and agent, whether its occurrence key exists and
    /// whether an execution of the schedule is running. Absent: the schedule is gone.
    private func scheduleInfo(_ requests: [Request], _ tx: PostgresTransaction) async throws -> [Int: ScheduleInfo] {
        var infos: [Int: ScheduleInfo] = [:]
        for row in try await tx.query(
            """
            SELECT r.i, s.agent_name, s.name, a.enabled AS agent_enabled, a.autonomy_enabled,
                EXISTS (SELECT 1 FROM executions e WHERE e.schedule_id = r.sid AND e.scheduled_for = r.at
                        AND e.attempt = r.attempt AND e.triggered_by IN \(PostgresOccurrenceStore.occurrenceKinds)) AS taken,
                EXISTS (SELECT 1 FROM executions e WHERE e.schedule_id = r.sid AND e.status = 'running') AS running,
                s.session_key
            FROM unnest($1::uuid[], $2::timestamptz[], $3::int[]) WITH ORDINALITY AS r(sid, at, attempt, i)
            JOIN schedules s ON s.id = r.sid
            JOIN agents a ON a.name = s.agent_name
            """,
            .uuidArray(requests.map(\.scheduleID)), .timestampArray(requests.map(\.scheduledFor)), .intArray(requests.map(\.attempt)))
        {
            infos[try row.decode(Int.self, at: "i") - 1] = ScheduleInfo(
                agent: try row.decode(String.self, at: "agent_name"), name: try row.decode(String.self, at: "name"),
                agentEnabled: try row.decode(Bool.self, at: "agent_enabled"),
                autonomyEnabled: try row.decode(Bool.self, at: "autonomy_enabled"),
                taken: try row.decode(Bool.self, at: "taken"), running: try row.decode(Bool.self, at: "running"),
                sessionKey: try row.decodeIfPresent(String.self, at: "session_key"))
        }
        return infos
    }
}

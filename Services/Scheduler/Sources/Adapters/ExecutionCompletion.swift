import Cron
import Domain
import Foundation
import Logging
import Postgres
import SchedulerCore

/// Writes the end of an attempt: the execution row (only while it is still this worker's
/// running execution), the schedule's bookkeeping (last run, run count, failure streak,
/// auto-pause, next run) and the completion event, in one transaction.
struct ExecutionCompletion: Sendable {
    let pool: PostgresPool
    let events: EventLog
    let logger: Logger

    func complete(executionID: String, workerID: String, outcome: RunOutcome) async throws -> Bool {
        guard let id = UUID(uuidString: executionID) else { return false }
        let details: [String: JSONValue]
        let error: String?
        switch outcome {
        case .success(let value):
            details = value.objectValue
            error = nil
        case .failed(let message, let value):
            details = value.objectValue
            error = message
        case .cancelled(let reason):
            details = [:]
            error = reason
        }
        var published: [EventLog.Pending] = []
        let written = try await pool.withTransaction { tx -> Bool in
            let logJSON = try details["execution_log"].map { try EventLog.encode($0) }
            guard let row = try await tx.queryFirst(
                """
                UPDATE executions SET status = $3, error = $4, completed_at = now(),
                    duration_ms = GREATEST(1, (EXTRACT(EPOCH FROM now() - COALESCE(started_at, now())) * 1000)::bigint),
                    response = $5, response_truncated = $6, cost = $7, context_used = $8, context_max = $9, tool_calls = $10,
                    execution_log = $11::jsonb, session_id = COALESCE($12, session_id), model_used = COALESCE($13, model_used),
                    message = COALESCE($14, message)
                WHERE id = $1 AND worker_id = $2 AND status = 'running'
                RETURNING schedule_id, agent_name, triggered_by, duration_ms, attempt,
                    (SELECT name FROM schedules WHERE id = executions.schedule_id) AS schedule_name
                """,
                .uuid(id), .text(workerID), .text(outcome.status.rawValue), PostgresValue(error),
                PostgresValue(details["response"]?.stringValue), .bool(details["response_truncated"] == .bool(true)),
                PostgresValue(details["cost"]?.doubleValue), PostgresValue(details["context_used"]?.intValue),
                PostgresValue(details["context_max"]?.intValue), PostgresValue(details["tool_calls"]?.intValue),
                logJSON.map { PostgresValue.json($0) } ?? .null, PostgresValue(details["session_id"]?.stringValue),
                PostgresValue(details["model_used"]?.stringValue), PostgresValue(details["message"]?.stringValue))
            else { return false }
            let agent = try row.decode(String.self, at: "agent_name")
            let scheduleID = try row.decodeIfPresent(UUID.self, at: "schedule_id")
            let triggeredBy = try row.decode(String.self, at: "triggered_by")
            var fields: [String: JSONValue] = [
                "execution_id": .string(executionID), "triggered_by": .string(triggeredBy),
                "status": .string(outcome.status.rawValue), "duration_ms": .int(try row.decode(Int.self, at: "duration_ms")),
                "error": error.map(JSONValue.string) ?? .null, "attempt": .int(try row.decode(Int.self, at: "attempt")),
            ]
            if let scheduleID {
                fields["schedule_id"] = .string(scheduleID.uuidString.lowercased())
                fields["schedule_name"] = (try row.decodeIfPresent(String.self, at: "schedule_name")).map(JSONValue.string) ?? .null
                published += try await updateSchedule(
                    tx, scheduleID: scheduleID, agent: agent, outcome: outcome, triggeredBy: triggeredBy,
                    attempt: try row.decode(Int.self, at: "attempt"))
            }
            published.insert(try await events.record(.executionCompleted, agent: agent, fields: fields, in: tx), at: 0)
            // A slot of this agent is free: wake the queued-execution workers if runs are waiting for it.
            try await tx.execute(
                "SELECT pg_notify('executions_pending', $1) FROM executions WHERE agent_name = $1 AND status = 'pending' LIMIT 1",
                .text(agent))
            return true
        }
        await events.publish(published)
        if !written {
            logger.warning("result not recorded: the execution is no longer this worker's (recovered or cancelled)",
                           metadata: ["execution_id": "\(executionID)"])
        }
        return written
    }

    /// Last run, run count, the failure streak (auto-pause at `max_consecutive_failures`) and `next_run_at`.
    private func updateSchedule(
        _ tx: PostgresTransaction, scheduleID: UUID, agent: String, outcome: RunOutcome, triggeredBy: String, attempt: Int
    ) async throws -> [EventLog.Pending] {
        let counts = ["schedule", "catchup", "retry"].contains(triggeredBy) ? 1 : 0
        let failed = outcome.status == .failed
        guard let row = try await tx.queryFirst(
            """
            UPDATE schedules SET last_run_at = now(), run_count = run_count + $2,
                consecutive_failures = CASE WHEN $3 THEN consecutive_failures + 1 WHEN $4 THEN 0 ELSE consecutive_failures END,
                -- A one-time schedule is done once its occurrence ran (success, or failure with no retry left).
                enabled = CASE WHEN trigger = 'once' AND $2 = 1 AND ($4 OR $5 > max_retries) THEN false ELSE enabled END,
                next_run_at = CASE WHEN trigger = 'once' AND $2 = 1 AND ($4 OR $5 > max_retries) THEN NULL ELSE next_run_at END
            WHERE id = $1
            RETURNING name, enabled, consecutive_failures, max_consecutive_failures,
                (trigger = 'once' AND $2 = 1 AND ($4 OR $5 > max_retries)) AS once_done
            """, .uuid(scheduleID), .int(counts), .bool(failed), .bool(outcome.status == .success), .int(attempt))
        else { return [] }
        if try row.decode(Bool.self, at: "once_done") {
            return [try await ScheduleCompletedEvent.record(
                events, in: tx, scheduleID: scheduleID, agent: agent, name: try row.decode(String.self, at: "name"), reason: ScheduleCompletedEvent.onceDone)]
        }
        let streak = try row.decode(Int.self, at: "consecutive_failures")
        let limit = try row.decode(Int.self, at: "max_consecutive_failures")
        guard failed, limit > 0, streak >= limit, try row.decode(Bool.self, at: "enabled") else { return [] }
        let reason = "paused after \(streak) consecutive failures"
        try await tx.execute(
            "UPDATE schedules SET enabled = false, next_run_at = NULL, paused_reason = $2 WHERE id = $1", .uuid(scheduleID), .text(reason))
        logger.warning("schedule auto-paused", metadata: ["schedule_id": "\(scheduleID.uuidString.lowercased())", "failures": "\(streak)"])
        return [try await events.record(.schedulePaused, agent: agent, fields: [
            "schedule_id": .string(scheduleID.uuidString.lowercased()), "schedule_name": .string(try row.decode(String.self, at: "name")),
            "reason": .string(reason), "consecutive_failures": .int(streak),
        ], in: tx)]
    }
}

extension JSONValue {
    var objectValue: [String: JSONValue] {
        if case .object(let members) = self { return members }
        return [:]
    }
}

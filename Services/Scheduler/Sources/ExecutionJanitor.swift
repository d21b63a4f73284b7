import Domain
import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// Keeps this replica's running executions marked alive (`heartbeat_at`), and closes the
/// executions of replicas that died mid-run: a running row whose heartbeat is older than
/// `staleAfter` becomes `failed` ("scheduler replica … stopped responding"), with its event,
/// and if the schedule has retries left a `retry` attempt is queued for any replica to run.
struct ExecutionJanitor: Service {
    let pool: PostgresPool
    let events: EventLog
    let workerID: String
    let heartbeatInterval: Duration
    let staleAfterSeconds: Int
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var tick = 0
            while !Task.isCancelled {
                do {
                    try await pool.execute(
                        "UPDATE executions SET heartbeat_at = now() WHERE worker_id = $1 AND status = 'running'", .text(workerID))
                    if tick % 2 == 0 { try await recover() }
                } catch {
                    logger.warning("execution heartbeat/recovery failed; retrying", metadata: ["error": "\(error)"])
                }
                tick += 1
                try? await Task.sleep(for: heartbeatInterval)
            }
        }
    }

    /// Closes abandoned executions; returns how many.
    @discardableResult
    func recover() async throws -> Int {
        var published: [EventLog.Pending] = []
        let recovered = try await pool.withTransaction { tx -> Int in
            let rows = try await tx.query(
                """
                UPDATE executions SET status = 'failed', completed_at = now(),
                    error = 'scheduler replica ' || COALESCE(worker_id, '?') || ' stopped responding; the run was abandoned',
                    duration_ms = GREATEST(1, (EXTRACT(EPOCH FROM now() - COALESCE(started_at, now())) * 1000)::bigint)
                WHERE id IN (SELECT id FROM executions WHERE status = 'running'
                             AND COALESCE(heartbeat_at, started_at, created_at) < now() - make_interval(secs => $1)
                             FOR UPDATE SKIP LOCKED)
                RETURNING id, schedule_id, agent_name, triggered_by, attempt, scheduled_for, error, duration_ms
                """, .int(staleAfterSeconds))
            for row in rows {
                let id = try row.decode(UUID.self, at: "id").uuidString.lowercased()
                let agent = try row.decode(String.self, at: "agent_name")
                let scheduleID = try row.decodeIfPresent(UUID.self, at: "schedule_id")
                let attempt = try row.decode(Int.self, at: "attempt")
                var fields: [String: JSONValue] = [
                    "execution_id": .string(id), "triggered_by": .string(try row.decode(String.self, at: "triggered_by")),
                    "status": .string("failed"), "error": .string(try row.decode(String.self, at: "error")),
                    "duration_ms": .int(try row.decode(Int.self, at: "duration_ms")), "attempt": .int(attempt),
                ]
                if let scheduleID {
                    fields["schedule_id"] = .string(scheduleID.uuidString.lowercased())
                    // Retry as a new attempt of the same occurrence, if the schedule allows one.
                    let retry = try await tx.queryFirst(
                        """
                        INSERT INTO executions (schedule_id, agent_name, scheduled_for, attempt, triggered_by, status, message, context, model_used)
                        SELECT s.id, s.agent_name, $2, $3, 'retry', 'pending', s.message, s.context, s.model
                        FROM schedules s WHERE s.id = $1 AND s.max_retries >= $3 - 1 AND $3 <= 100
                        ON CONFLICT DO NOTHING RETURNING id
                        """, .uuid(scheduleID), .timestamp(try row.decode(Date.self, at: "scheduled_for")), .int(attempt + 1))
                    if let retry {
                        try await tx.execute("SELECT pg_notify('executions_pending', $1)", .text(try retry.decode(UUID.self, at: "id").uuidString.lowercased()))
                        fields["retry_queued"] = .bool(true)
                    }
                }
                published.append(try await events.record(.executionCompleted, agent: agent, fields: fields, in: tx))
                logger.warning("recovered an abandoned execution", metadata: ["execution_id": "\(id)", "agent": "\(agent)"])
            }
            return rows.count
        }
        await events.publish(published)
        return recovered
    }
}

import Foundation
import Postgres

/// One active turn per conversation: runs with the same `session_key` and agent never run at
/// once, and each continues the agent session of the latest earlier run with that key.
/// Callers hold the agent's concurrency lock (`pg_advisory_xact_lock(hashtextextended(agent, 11))`),
/// so the check and the claim that follows are atomic.
enum SessionGate {
    /// Whether a run of the schedule must wait because a run with its session key (same agent)
    /// is running or already waiting.
    static func isBusy(_ tx: some PostgresQueryable, scheduleID: UUID) async throws -> Bool {
        let row = try await tx.queryFirst(
            """
            SELECT EXISTS (
                SELECT 1 FROM schedules s JOIN executions e ON e.agent_name = s.agent_name AND e.session_key = s.session_key
                WHERE s.id = $1 AND s.session_key IS NOT NULL AND e.status IN ('running', 'pending')) AS busy
            """, .uuid(scheduleID))
        return try row?.decode(Bool.self, at: "busy") ?? false
    }

    /// SQL condition on a pending execution `p`: nothing of its conversation runs, and no earlier
    /// turn of it is still waiting.
    static let pendingTurnIsNext = """
        (p.session_key IS NULL OR NOT EXISTS (
            SELECT 1 FROM executions o WHERE o.agent_name = p.agent_name AND o.session_key = p.session_key AND o.id <> p.id
              AND (o.status = 'running' OR (o.status = 'pending' AND (o.created_at, o.id) < (p.created_at, p.id)))))
        """

    /// SQL condition on an execution `e` about to run: no other run of its conversation is running.
    static let noOtherTurnRunning = """
        (e.session_key IS NULL OR NOT EXISTS (
            SELECT 1 FROM executions o WHERE o.agent_name = e.agent_name AND o.session_key = e.session_key AND o.id <> e.id
              AND o.status = 'running'))
        """

    /// The agent session to continue for this execution: the `session_id` of the latest earlier
    /// finished run with the same key and agent (nil: no key, or the first turn).
    static func sessionToContinue(_ database: some PostgresQueryable, executionID: String) async throws -> String? {
        guard let id = UUID(uuidString: executionID) else { return nil }
        return try await database.queryFirst(
            """
            SELECT p.session_id FROM executions e
            JOIN executions p ON p.agent_name = e.agent_name AND p.session_key = e.session_key
            WHERE e.id = $1 AND e.session_key IS NOT NULL AND p.id <> e.id AND p.session_id IS NOT NULL
              AND p.status IN ('success', 'failed', 'cancelled')
            ORDER BY p.completed_at DESC NULLS LAST, p.created_at DESC LIMIT 1
            """, .uuid(id))?.decodeIfPresent(String.self, at: "session_id")
    }
}

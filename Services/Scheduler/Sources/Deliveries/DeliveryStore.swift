import Domain
import Foundation
import Postgres

/// The `deliveries` outbox as the delivery worker sees it: claim due rows (`FOR UPDATE SKIP
/// LOCKED`, so each is sent by one replica), record each attempt and its consequence.
struct DeliveryStore: Sendable {
    let pool: PostgresPool

    static let channel = "deliveries_pending"

    /// A delivery claimed by this worker for one attempt.
    struct Claimed: Sendable {
        var id: UUID
        var executionID: String
        var agentName: String
        var kind: String
        var target: String
        var url: String?
        var payload: JSONValue
        /// 1-based number of this attempt.
        var attempt: Int
        /// The owner's webhook secret, if they set one.
        var ownerSecret: String?
    }

    /// What one attempt led to.
    enum Outcome: Sendable, Equatable {
        case delivered(statusCode: Int)
        case retry(statusCode: Int?, error: String, after: Double)
        case failed(statusCode: Int?, error: String)
    }

    /// Due deliveries (and ones whose sender's lease ran out), oldest due first, now `sending`
    /// for `lease` seconds under this worker.
    func claimDue(workerID: String, limit: Int, lease: Double) async throws -> [Claimed] {
        try await pool.query(
            """
            UPDATE deliveries d SET status = 'sending', attempts = d.attempts + 1, locked_by = $1,
                   locked_until = now() + make_interval(secs => $3)
            WHERE d.id IN (
                SELECT id FROM deliveries
                WHERE (status = 'pending' AND next_attempt_at <= now()) OR (status = 'sending' AND locked_until < now())
                ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
            RETURNING d.id, d.execution_id, d.agent_name, d.kind, d.target, d.url, d.payload, d.attempts,
                      (SELECT webhook_secret FROM users WHERE id = d.owner) AS owner_secret
            """, .text(workerID), .int(limit), .double(lease)
        ).map { row in
            Claimed(
                id: try row.decode(UUID.self, at: "id"),
                executionID: try row.decode(UUID.self, at: "execution_id").uuidString.lowercased(),
                agentName: try row.decode(String.self, at: "agent_name"),
                kind: try row.decode(String.self, at: "kind"),
                target: try row.decode(String.self, at: "target"),
                url: try row.decodeIfPresent(String.self, at: "url"),
                payload: try row.decodeJSON(JSONValue.self, at: "payload"),
                attempt: try row.decode(Int.self, at: "attempts"),
                ownerSecret: try row.decodeIfPresent(String.self, at: "owner_secret"))
        }
    }

    /// Records the attempt and moves the delivery on (delivered, pending again later, or failed).
    /// Ignored when the lease was lost meanwhile (another worker claimed it again).
    func record(_ delivery: Claimed, workerID: String, startedAt: Date, durationMs: Int, outcome: Outcome) async throws {
        let (status, code, error, delay): (String, Int?, String?, Double) = switch outcome {
        case .delivered(let code): ("delivered", code, nil, 0)
        case .retry(let code, let error, let after): ("pending", code, error, after)
        case .failed(let code, let error): ("failed", code, error, 0)
        }
        try await pool.withTransaction { tx in
            try await tx.execute(
                """
                INSERT INTO delivery_attempts (delivery_id, attempt, worker_id, started_at, duration_ms, status_code, error)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """, .uuid(delivery.id), .int(delivery.attempt), .text(workerID), .timestamp(startedAt), .int(durationMs),
                PostgresValue(code), PostgresValue(error))
            try await tx.execute(
                """
                UPDATE deliveries SET status = $4, last_status_code = $5, last_error = $6,
                    next_attempt_at = CASE WHEN $4 = 'pending' THEN now() + make_interval(secs => $7) ELSE next_attempt_at END,
                    delivered_at = CASE WHEN $4 = 'delivered' THEN now() END, locked_by = NULL, locked_until = NULL
                WHERE id = $1 AND locked_by = $2 AND attempts = $3 AND status = 'sending'
                """, .uuid(delivery.id), .text(workerID), .int(delivery.attempt), .text(status), PostgresValue(code),
                PostgresValue(error), .double(delay))
        }
    }

    /// When the next pending delivery is due (nil: none waiting).
    func nextDue() async throws -> Date? {
        try await pool.queryFirst("SELECT min(next_attempt_at) AS due FROM deliveries WHERE status IN ('pending', 'sending')")?
            .decodeIfPresent(Date.self, at: "due")
    }
}

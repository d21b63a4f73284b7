import Cron
import Domain
import Foundation
import Postgres

/// Reads the `deliveries` outbox and its attempts (the scheduler writes them).
struct DeliveryRepository: Sendable {
    let database: any PostgresQueryable

    /// The deliveries of one execution, oldest first, each with its attempts.
    func list(executionID: String) async throws -> [DeliveryRecord] {
        guard let uuid = UUID(uuidString: executionID) else { return [] }
        let rows = try await database.query(
            """
            SELECT id, execution_id, kind, target, payload ->> 'type' AS event, url, status, attempts, next_attempt_at,
                   last_status_code, last_error, created_at, delivered_at
            FROM deliveries WHERE execution_id = $1 ORDER BY created_at, id
            """, .uuid(uuid))
        var records = try rows.map { row -> DeliveryRecord in
            let status = try row.decode(String.self, at: "status")
            return DeliveryRecord(
                id: try row.decode(UUID.self, at: "id").uuidString.lowercased(),
                execution_id: try row.decode(UUID.self, at: "execution_id").uuidString.lowercased(),
                kind: try row.decode(String.self, at: "kind"),
                target: try row.decode(String.self, at: "target"),
                event: try row.decodeIfPresent(String.self, at: "event"),
                url: try row.decodeIfPresent(String.self, at: "url"),
                status: status,
                attempts: try row.decode(Int.self, at: "attempts"),
                next_attempt_at: ["pending", "sending"].contains(status)
                    ? InstantFormat.stringWithMilliseconds(try row.decode(Date.self, at: "next_attempt_at")) : nil,
                last_status_code: try row.decodeIfPresent(Int.self, at: "last_status_code"),
                last_error: try row.decodeIfPresent(String.self, at: "last_error"),
                created_at: InstantFormat.stringWithMilliseconds(try row.decode(Date.self, at: "created_at")),
                delivered_at: try row.decodeIfPresent(Date.self, at: "delivered_at").map(InstantFormat.stringWithMilliseconds),
                attempt_log: [])
        }
        guard !records.isEmpty else { return [] }
        let attempts = try await database.query(
            """
            SELECT a.delivery_id, a.attempt, a.started_at, a.duration_ms, a.status_code, a.error, a.worker_id
            FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
            WHERE d.execution_id = $1 ORDER BY a.delivery_id, a.attempt, a.id
            """, .uuid(uuid))
        var byDelivery: [String: [DeliveryRecord.Attempt]] = [:]
        for row in attempts {
            byDelivery[try row.decode(UUID.self, at: "delivery_id").uuidString.lowercased(), default: []].append(DeliveryRecord.Attempt(
                attempt: try row.decode(Int.self, at: "attempt"),
                started_at: InstantFormat.stringWithMilliseconds(try row.decode(Date.self, at: "started_at")),
                duration_ms: try row.decodeIfPresent(Int.self, at: "duration_ms"),
                status_code: try row.decodeIfPresent(Int.self, at: "status_code"),
                error: try row.decodeIfPresent(String.self, at: "error"),
                worker_id: try row.decodeIfPresent(String.self, at: "worker_id")))
        }
        for index in records.indices { records[index].attempt_log = byDelivery[records[index].id] ?? [] }
        return records
    }
}

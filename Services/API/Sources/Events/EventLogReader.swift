import Foundation
import NIOCore
import Postgres

/// Reads of the durable event log (`events`) for the relay, replays and retention.
struct EventLogReader: Sendable {
    let database: any PostgresQueryable

    /// The message body is built by Postgres (stored payload plus `type` and `event_id`), so the
    /// relay never parses payloads; the owner comes from the agent as it is now.
    private static let columns = """
        e.id, e.agent_name, (e.payload || jsonb_build_object('type', e.type, 'event_id', e.id))::text AS body
        """

    /// The newest event id, 0 when the log is empty.
    func newestID() async throws -> Int {
        try await database.queryFirst("SELECT COALESCE(max(id), 0)::bigint AS newest FROM events")?.decode(Int.self, at: "newest") ?? 0
    }

    /// Up to `limit` events with ids in `(after, through]` (no upper bound when nil), in id
    /// order, with their agent's current owner.
    func events(after: Int, through: Int? = nil, limit: Int) async throws -> [RelayedEvent] {
        let upper = through.map { " AND e.id <= \($0)" } ?? ""
        let rows = try await database.query(
            """
            SELECT \(Self.columns), a.owner FROM events e LEFT JOIN agents a ON a.name = e.agent_name
            WHERE e.id > $1\(upper) ORDER BY e.id LIMIT $2
            """, .int(after), .int(limit))
        return try rows.map { row in
            RelayedEvent(
                id: try row.decode(Int.self, at: "id"), agent: try row.decodeIfPresent(String.self, at: "agent_name"),
                owner: try row.decodeIfPresent(UUID.self, at: "owner"), json: ByteBuffer(string: try row.decode(String.self, at: "body")))
        }
    }

    /// A replay page for one listener: events in `(after, through]` that `audience` admits, in id order.
    func replay(after: Int, through: Int, audience: EventAudience, limit: Int) async throws -> [(id: Int, json: ByteBuffer)] {
        let (filter, binds) = audience.sqlFilter(firstBind: 4)
        let rows = try await database.query(
            "SELECT \(Self.columns) FROM events e WHERE e.id > $1 AND e.id <= $2 AND \(filter) ORDER BY e.id LIMIT $3",
            [.int(after), .int(through), .int(limit)] + binds)
        return try rows.map { row in
            (try row.decode(Int.self, at: "id"), ByteBuffer(string: try row.decode(String.self, at: "body")))
        }
    }

    /// Deletes up to `limit` events created before `cutoff`, oldest first; returns how many.
    func deleteOlder(than cutoff: Date, limit: Int) async throws -> Int {
        try await database.execute(
            """
            DELETE FROM events WHERE id IN (
                SELECT id FROM events WHERE created_at < $1 ORDER BY created_at LIMIT $2)
            """, .timestamp(cutoff), .int(limit))
    }
}

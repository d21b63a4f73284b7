import Cron
import Domain
import Foundation
import Logging
import Postgres
import Redis

/// The durable event log: an event is inserted into `events` in the same transaction as the
/// state change it reports (its id is the `event_id`), and published on Redis
/// `scheduler:events` only after that transaction commits. Redis being down loses nothing:
/// listeners catch up from the table.
struct EventLog: Sendable {
    let redis: RedisClient
    let logger: Logger
    private let publisher: EventPublisher

    init(redis: RedisClient, logger: Logger) {
        self.redis = redis
        self.logger = logger
        publisher = EventPublisher(redis: redis, logger: logger)
    }

    /// An event written inside a transaction, to publish after commit.
    struct Pending: Sendable {
        var json: String
        var type: SchedulerEventType
    }

    /// Inserts the event; `fields` are the payload keys besides `type`, `event_id` and `timestamp`.
    func record(
        _ type: SchedulerEventType, agent: String, fields: [String: JSONValue], in tx: some PostgresQueryable
    ) async throws -> Pending {
        let payload = Self.storedPayload(fields, agent: agent, timestamp: InstantFormat.stringWithMilliseconds(Date()))
        let row = try await tx.queryFirst(
            "INSERT INTO events (type, agent_name, payload) VALUES ($1, $2, $3) RETURNING id",
            .text(type.rawValue), .text(agent), .json(try Self.encode(.object(payload))))
        return try Self.pending(payload, type: type, id: try row?.decode(Int.self, at: "id") ?? 0)
    }

    /// The payload as the `events` table keeps it: the fields, the agent and the timestamp.
    private static func storedPayload(_ fields: [String: JSONValue], agent: String, timestamp: String) -> [String: JSONValue] {
        var payload = fields
        payload["agent"] = .string(agent)
        payload["timestamp"] = .string(timestamp)
        return payload
    }

    /// The message published for a stored payload: it also carries `type` and `event_id`.
    private static func pending(_ stored: [String: JSONValue], type: SchedulerEventType, id: Int) throws -> Pending {
        var payload = stored
        payload["type"] = .string(type.rawValue)
        payload["event_id"] = .int(id)
        return Pending(json: try encode(.object(payload)), type: type)
    }

    /// An event to write in a batch.
    struct Draft: Sendable {
        var type: SchedulerEventType
        var agent: String
        var fields: [String: JSONValue]
    }

    /// Inserts many events in two statements; ids are increasing in the order of `drafts`.
    func recordAll(_ drafts: [Draft], in tx: some PostgresQueryable) async throws -> [Pending] {
        guard drafts.count > 1 else {
            guard let draft = drafts.first else { return [] }
            return [try await record(draft.type, agent: draft.agent, fields: draft.fields, in: tx)]
        }
        let ids = try await tx.query(
            "SELECT nextval('events_id_seq') AS id FROM generate_series(1, $1)", .int(drafts.count)
        ).map { try $0.decode(Int.self, at: "id") }.sorted()
        let timestamp = InstantFormat.stringWithMilliseconds(Date())
        var stored: [String] = []
        var pending: [Pending] = []
        stored.reserveCapacity(drafts.count)
        pending.reserveCapacity(drafts.count)
        for (draft, id) in zip(drafts, ids) {
            let payload = Self.storedPayload(draft.fields, agent: draft.agent, timestamp: timestamp)
            stored.append(try Self.encode(.object(payload)))
            pending.append(try Self.pending(payload, type: draft.type, id: id))
        }
        try await tx.execute(
            """
            INSERT INTO events (id, type, agent_name, payload)
            SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::jsonb[])
            """,
            .intArray(ids), .textArray(drafts.map(\.type.rawValue)), .textArray(drafts.map(\.agent)), .textArray(stored))
        return pending
    }

    /// Publishes committed events, in order, in the background (see `EventPublisher`); a Redis
    /// failure is logged (listeners backfill from Postgres).
    func publish(_ events: [Pending]) async {
        publisher.enqueue(events)
    }

    static func encode(_ value: JSONValue) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

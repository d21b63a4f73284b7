import Cron
import Domain
import Foundation
import Logging
import Postgres
import Redis

/// The durable event log shared by the services: an event is inserted into `events` in the
/// same transaction as the state change it reports (its id is the `event_id`), and published
/// on Redis `scheduler:events` only after that transaction commits. Redis being down loses
/// nothing: listeners catch up from the table. Payloads carry `type`, `event_id`, `agent`,
/// `timestamp` and the event's own fields.
public struct EventLog: Sendable {
    public let redis: RedisClient
    public let logger: Logger

    public init(redis: RedisClient, logger: Logger) {
        self.redis = redis
        self.logger = logger
    }

    /// An event written inside a transaction, to publish after commit.
    public struct Pending: Sendable {
        public var json: String
        public var type: SchedulerEventType
        public var id: Int
    }

    /// Inserts the event; `fields` are the payload keys besides `type`, `event_id` and `timestamp`.
    /// `agent` may be nil for fleet-wide events.
    public func record(
        _ type: SchedulerEventType, agent: String?, fields: [String: JSONValue], in tx: some PostgresQueryable
    ) async throws -> Pending {
        let timestamp = InstantFormat.stringWithMilliseconds(Date())
        var payload = fields
        payload["agent"] = agent.map(JSONValue.string) ?? .null
        payload["timestamp"] = .string(timestamp)
        let stored = try Self.encode(.object(payload))
        let row = try await tx.queryFirst(
            "INSERT INTO events (type, agent_name, payload) VALUES ($1, $2, $3) RETURNING id",
            .text(type.rawValue), PostgresValue(agent), .json(Array(stored.utf8)))
        let id = try row?.decode(Int.self, at: "id") ?? 0
        payload["type"] = .string(type.rawValue)
        payload["event_id"] = .int(id)
        return Pending(json: try Self.encode(.object(payload)), type: type, id: id)
    }

    /// Publishes committed events; a Redis failure is logged (listeners backfill from Postgres).
    public func publish(_ events: [Pending]) async {
        for event in events {
            do {
                _ = try await redis.publish(SchedulerChannels.events, event.json)
            } catch {
                logger.warning("event not published (kept in the events table)", metadata: ["type": "\(event.type.rawValue)", "error": "\(error)"])
            }
        }
    }

    public static func encode(_ value: JSONValue) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

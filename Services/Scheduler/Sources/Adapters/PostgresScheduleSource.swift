import Domain
import Foundation
import Logging
import Metrics
import Postgres
import SchedulerCore

/// Schedules from Postgres: a full read of the enabled ones, and changes from
/// `NOTIFY schedules_changed` (the trigger sends `{id, agent_name, revision, op}`), each
/// turned into the schedule's current state by reading its row.
struct PostgresScheduleSource: ScheduleSource {
    let pool: PostgresPool
    let feed: NotificationFeed
    let logger: Logger
    /// Where `schedule_completed` events go (nil: none recorded).
    var events: EventLog? = nil

    static let columns = """
        s.id, s.agent_name, s.name, s.trigger, s.cron_expression, s.run_at, s.interval_seconds, s.start_at, s.timezone,
        s.enabled, s.revision, s.catchup, s.overlap, s.misfire_grace_seconds, s.max_retries, s.retry_delay_seconds,
        s.timeout_seconds, s.created_at, s.updated_at, s.end_at, s.max_runs, s.run_count, s.message, s.context,
        s.allowed_tools, s.model,
        (SELECT a.last_scheduled_for FROM schedule_anchors a WHERE a.schedule_id = s.id) AS last_scheduled_for
        """

    /// Where the columns are read from (a lookup by primary key per row keeps each page of the
    /// full sync an index scan of `schedules`; a join could hash both tables for every page).
    static let scheduleRows = "schedules s"

    func loadEnabled() async throws -> [ScheduleDefinition] {
        let started = ContinuousClock.now
        // In pages by id: only one page of raw rows is in memory at a time, next to the decoded definitions.
        var definitions: [ScheduleDefinition] = []
        var after: UUID?
        while true {
            // Two statements rather than "$1 IS NULL OR s.id > $1", which would defeat the primary-key index.
            let page: [PostgresRow]
            if let after {
                page = try await pool.query(
                    "SELECT \(Self.columns) FROM \(Self.scheduleRows) WHERE s.enabled AND s.id > $1 ORDER BY s.id LIMIT $2",
                    .uuid(after), .int(Self.loadPageSize))
            } else {
                page = try await pool.query(
                    "SELECT \(Self.columns) FROM \(Self.scheduleRows) WHERE s.enabled ORDER BY s.id LIMIT $1", .int(Self.loadPageSize))
            }
            definitions.reserveCapacity(definitions.count + page.count)
            for row in page { definitions.append(try Self.decode(row)) }
            guard page.count == Self.loadPageSize, let last = page.last else { break }
            after = try last.decode(UUID.self, at: "id")
        }
        MemoryRelease.returnFreedMemory()
        let elapsed = ContinuousClock.now - started
        Timer(label: "sundial_sync_load_seconds").recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        logger.debug("loaded enabled schedules", metadata: ["count": "\(definitions.count)", "elapsed": "\(elapsed)"])
        return definitions
    }

    func load(id: String) async throws -> ScheduleDefinition? {
        guard let uuid = UUID(uuidString: id) else { return nil }
        return try await pool.queryFirst("SELECT \(Self.columns) FROM \(Self.scheduleRows) WHERE s.id = $1", .uuid(uuid)).map(Self.decode)
    }

    /// Loads the current state of many schedules in one statement: the ones not returned were
    /// deleted (or never existed).
    func load(ids: [String]) async throws -> (found: [ScheduleDefinition], missing: [String]) {
        let uuids = ids.compactMap(UUID.init(uuidString:))
        guard !uuids.isEmpty else { return ([], ids) }
        let found = try await pool.query("SELECT \(Self.columns) FROM \(Self.scheduleRows) WHERE s.id = ANY($1)", .uuidArray(uuids)).map(Self.decode)
        let present = Set(found.map(\.id))
        return (found, ids.filter { !present.contains($0.lowercased()) })
    }

    /// Notifications are coalesced: while one batch of changed schedules is being read, the ids
    /// that arrive meanwhile are collected and read together next (a bulk insert or a burst of
    /// once-schedules finishing costs a few statements, not one per row). Each change is
    /// delivered as the schedule's state when read, so a burst of edits of one schedule is one
    /// upsert.
    func changes() -> AsyncStream<ScheduleChange> {
        let events = feed.subscribe()
        let (stream, continuation) = AsyncStream.makeStream(of: ScheduleChange.self)
        let pending = PendingScheduleIDs()
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let reader = Task {
            for await event in events {
                switch event {
                case .listening:
                    continue
                case .reconnected:
                    continuation.yield(.resyncRequested)
                case .notification(let notification):
                    guard notification.channel == SchedulerChannels.schedulesChanged else { continue }
                    guard let id = Self.scheduleID(in: notification.payload) else {
                        logger.warning("unreadable schedules_changed payload; resyncing", metadata: ["payload": "\(notification.payload)"])
                        continuation.yield(.resyncRequested)
                        continue
                    }
                    pending.add(id)
                    wake.yield()
                }
            }
            wake.finish()
        }
        let loader = Task {
            for await _ in wakes {
                while true {
                    let batch = pending.take(max: Self.changeBatchLimit)
                    if batch.isEmpty { break }
                    do {
                        let (found, missing) = try await load(ids: batch)
                        for definition in found { continuation.yield(.upsert(definition)) }
                        for id in missing { continuation.yield(.removed(id: id)) }
                        if batch.count > 1 { logger.debug("changed schedules read", metadata: ["count": "\(batch.count)"]) }
                    } catch {
                        logger.warning("could not read changed schedules; resyncing", metadata: ["count": "\(batch.count)", "error": "\(error)"])
                        continuation.yield(.resyncRequested)
                    }
                }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in
            reader.cancel()
            loader.cancel()
        }
        return stream
    }

    static let changeBatchLimit = 2_000
    static let loadPageSize = 10_000

    func scheduleCompleted(_ completion: ScheduleCompletion) async throws {
        guard let uuid = UUID(uuidString: completion.scheduleID) else { return }
        // Only the revision the engine planned with: a schedule edited meanwhile stays as the user left it.
        // A one-time schedule is disabled here only once its occurrence has a final row; until
        // then (the run is queued or still going) the completion of that run disables it, so a
        // due occurrence can never be dropped by an early "completed".
        var published: [EventLog.Pending] = []
        let changed = try await pool.withTransaction { tx -> Int in
            guard let row = try await tx.queryFirst(
            """
            UPDATE schedules s SET enabled = false, next_run_at = NULL
            WHERE s.id = $1 AND s.revision = $2 AND s.enabled
              AND (s.trigger <> 'once' OR EXISTS (
                    SELECT 1 FROM executions e WHERE e.schedule_id = s.id AND e.scheduled_for = s.run_at
                      AND e.triggered_by IN ('schedule', 'catchup', 'retry')
                      AND e.status IN ('success', 'failed', 'skipped', 'cancelled')))
            RETURNING s.agent_name, s.name
            """,
            .uuid(uuid), .int(Int(completion.revision)))
            else { return 0 }
            if let events {
                published.append(try await ScheduleCompletedEvent.record(
                    events, in: tx, scheduleID: uuid, agent: try row.decode(String.self, at: "agent_name"),
                    name: try row.decode(String.self, at: "name"), reason: completion.reason.rawValue))
            }
            return 1
        }
        await events?.publish(published)
        if changed == 1 {
            logger.info("schedule completed", metadata: ["schedule_id": "\(completion.scheduleID)", "reason": "\(completion.reason)"])
        }
    }

    static func scheduleID(in payload: String) -> String? {
        guard let data = payload.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let id = object["id"] as? String
        else { return nil }
        return id
    }

    private static let jsonDecoder = JSONDecoder()

    static func decode(_ row: PostgresRow) throws -> ScheduleDefinition {
        return ScheduleDefinition(
            id: try row.decode(UUID.self, at: "id").uuidString.lowercased(),
            agentName: try row.decode(String.self, at: "agent_name"),
            name: try row.decode(String.self, at: "name"),
            triggerKind: try row.decodeEnum(at: "trigger"),
            cronExpression: try row.decodeIfPresent(String.self, at: "cron_expression"),
            runAt: try row.decodeIfPresent(Date.self, at: "run_at"),
            intervalSeconds: try row.decodeIfPresent(Int.self, at: "interval_seconds"),
            startAt: try row.decodeIfPresent(Date.self, at: "start_at"),
            timezone: try row.decode(String.self, at: "timezone"),
            enabled: try row.decode(Bool.self, at: "enabled"),
            revision: try row.decode(Int64.self, at: "revision"),
            catchup: try row.decodeEnum(at: "catchup"),
            overlap: try row.decodeEnum(at: "overlap"),
            misfireGraceSeconds: try row.decode(Int.self, at: "misfire_grace_seconds"),
            maxRetries: try row.decode(Int.self, at: "max_retries"),
            retryDelaySeconds: try row.decode(Int.self, at: "retry_delay_seconds"),
            timeoutSeconds: try row.decode(Int.self, at: "timeout_seconds"),
            createdAt: try row.decode(Date.self, at: "created_at"),
            updatedAt: try row.decode(Date.self, at: "updated_at"),
            endAt: try row.decodeIfPresent(Date.self, at: "end_at"),
            maxRuns: try row.decodeIfPresent(Int.self, at: "max_runs"),
            runCount: try row.decode(Int64.self, at: "run_count"),
            lastScheduledFor: try row.decodeIfPresent(Date.self, at: "last_scheduled_for"),
            message: try row.decode(String.self, at: "message"),
            context: try row.decode(String.self, at: "context") == "{}" ? .object([:]) : try row.decodeJSON(JSONValue.self, at: "context", decoder: jsonDecoder),
            allowedTools: row.isNull("allowed_tools") ? nil : try row.decodeJSON([String].self, at: "allowed_tools", decoder: jsonDecoder),
            model: try row.decodeIfPresent(String.self, at: "model")
        )
    }
}

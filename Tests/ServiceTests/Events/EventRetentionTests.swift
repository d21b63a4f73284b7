import Foundation
import Logging
import Postgres
import ServiceRuntime
import SundialConfig
import Testing
@testable import SundialAPI

@Suite("Event log retention (real Postgres)", .serialized, .enabled(if: TestEnvironment.available), .timeLimit(.minutes(2)))
struct EventRetentionTests {
    @Test("events older than the retention are deleted in batches; newer ones stay")
    func deletesOldEvents() async throws {
        let config = try APIConfig(environment: TestEnvironment.environment())
        let resources = try await ServiceResources.open(common: config.common, applicationName: "sundial-test", logger: TestEnvironment.logger)
        let pool = resources.pool
        let tag = "retention-\(UUID().uuidString.prefix(8).lowercased())"
        // Older events of other tests would be deleted too: count only ours.
        try await pool.execute(
            """
            INSERT INTO events (type, agent_name, payload, created_at)
            SELECT 'schedule_execution_completed', $1, '{}', now() - make_interval(days => 8, secs => g)
            FROM generate_series(1, 23) g
            """, .text(tag))
        try await pool.execute(
            "INSERT INTO events (type, agent_name, payload, created_at) VALUES ('schedule_execution_completed', $1, '{}', now() - interval '6 days')",
            .text(tag))
        let retention = EventRetention(
            reader: EventLogReader(database: pool), retentionDays: 7, interval: .seconds(3600), batchSize: 5,
            logger: TestEnvironment.logger)
        let deleted = try await retention.cleanUp()
        #expect(deleted >= 23)
        let left = try await pool.queryFirst("SELECT count(*)::bigint AS n FROM events WHERE agent_name = $1", .text(tag))
        #expect(try left?.decode(Int.self, at: "n") == 1, "the 6-day-old event stays")
        await resources.close()
    }
}

import Domain
import Foundation
import Postgres
import SchedulerCore
import ServiceRuntime
import SundialConfig
import Testing
@testable import SundialScheduler

/// A claim decides "is a turn of this conversation active?" only once it holds the agent's
/// lock, so a turn another replica (or batch) started just before is seen and the new
/// occurrence waits, queued, instead of running alongside it.
@Suite("Occurrence claims respect conversations under concurrency", .enabled(if: TestEnvironment.available), .serialized)
struct ConversationClaimTests {
    @Test("a turn started while the claim waited for the agent's lock makes the claimed occurrence wait (pending)")
    func turnStartedWhileWaiting() async throws {
        let config = try SchedulerConfig(environment: TestEnvironment.environment())
        let resources = try await ServiceResources.open(common: config.common, applicationName: "sundial-test-claims", logger: TestEnvironment.logger)
        let pool = resources.pool
        let agent = try await SchedulerIntegrationTests.makeAgent(pool)
        let scheduleID = try await SchedulerIntegrationTests.insertOnce(pool, agent: agent, at: Date())
        try await pool.execute("UPDATE schedules SET session_key = 'standup' WHERE id = $1::uuid", .text(scheduleID))
        let claims = OccurrenceClaims(pool: pool, events: EventLog(redis: resources.redis, logger: TestEnvironment.logger), logger: TestEnvironment.logger)

        // Hold the agent's concurrency lock, as another batch in flight would.
        let (locked, lockedSignal) = AsyncStream<Void>.makeStream()
        let (release, releaseSignal) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await pool.withConnection { session in
                try await session.execute("SELECT pg_advisory_lock(hashtextextended($1, 11))", .text(agent))
                lockedSignal.yield()
                for await _ in release { break }
                try await session.execute("SELECT pg_advisory_unlock(hashtextextended($1, 11))", .text(agent))
            }
        }
        for await _ in locked { break }
        let claim = Task {
            try await claims.claim([OccurrenceClaims.Request(
                scheduleID: UUID(uuidString: scheduleID)!, scheduledFor: Date(timeIntervalSince1970: 1_900_000_000), attempt: 1,
                triggeredBy: .schedule, workerID: "claims-test", exclusive: false)])
        }
        try await Task.sleep(for: .milliseconds(400))  // the claim has read its schedule and waits for the lock
        // Meanwhile another turn of the conversation starts (committed before the lock is released).
        try await pool.execute(
            """
            INSERT INTO executions (agent_name, triggered_by, status, message, started_at, session_key, worker_id)
            VALUES ($1, 'manual', 'running', 'other turn', now(), 'standup', 'elsewhere')
            """, .text(agent))
        releaseSignal.yield()
        try await holder.value
        let results = try await claim.value
        #expect(results == [.alreadyClaimed], "queued to wait for its turn, not claimed to run: \(results)")
        let statuses = try await pool.query(
            "SELECT status FROM executions WHERE schedule_id = $1::uuid", .text(scheduleID)).map { try $0.decode(String.self, at: "status") }
        #expect(statuses == ["pending"])
        try await pool.execute("UPDATE executions SET status = 'cancelled' WHERE agent_name = $1 AND status IN ('pending', 'running')", .text(agent))
        await resources.close()
    }
}

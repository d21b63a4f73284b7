import Foundation
import Testing

@testable import Postgres

/// The 0001 schema on a fresh database per test.
@Suite("Schema and migrations (real server)", .enabled(if: TestDatabase.isConfigured), .timeLimit(.minutes(2)))
struct SchemaTests {
    @Test func concurrentMigrationsApplyEachFileOnce() async throws {
        try await TestDatabase.withFreshDatabase { database, pool in
            let other = try TestDatabase.makePool(size: 2, database: database)
            let bundled = try Migration.bundled()
            async let first = Migrator.migrate(pool: pool, logger: TestDatabase.logger)
            async let second = Migrator.migrate(pool: other, logger: TestDatabase.logger)
            let (a, b) = try await (first, second)
            #expect(a.count + b.count == bundled.count, "together they applied every migration exactly once")
            #expect(a.isEmpty || b.isEmpty, "the advisory lock made one wait for the other")

            let rows = try await pool.query("SELECT version, count(*) OVER (PARTITION BY version) AS n FROM schema_migrations")
            #expect(try rows.map { try $0.decode(Int.self, at: "version") }.sorted() == bundled.map(\.version))
            #expect(try rows.allSatisfy { try $0.decode(Int.self, at: "n") == 1 })
            #expect(try await Migrator.migrate(pool: other, logger: TestDatabase.logger).isEmpty)
            await other.shutdown()
        }
    }

    @Test func aFailingMigrationLeavesNoTraceAndReleasesTheLock() async throws {
        try await TestDatabase.withFreshDatabase(poolSize: 1) { _, pool in
            let good = Migration(version: 1, name: "good", sql: "CREATE TABLE good (n integer); INSERT INTO good VALUES (1);")
            let bad = Migration(version: 2, name: "bad", sql: "CREATE TABLE half (n integer); SELECT no_such_function();")
            do {
                try await Migrator.migrate(pool: pool, logger: TestDatabase.logger, migrations: [good, bad])
                Issue.record("the bad migration should fail")
            } catch let error as PostgresError {
                #expect(error.message.contains("0002") || error.message.contains("2_bad"))
            }
            let versions = try await pool.query("SELECT version FROM schema_migrations").map { try $0.decode(Int.self, at: 0) }
            #expect(versions == [1])
            let half = try await pool.queryFirst("SELECT to_regclass('half') IS NULL AS gone")
            #expect(try half?.decode(Bool.self, at: "gone") == true)
            // The lock was released: a fixed migration goes through on the same (only) connection.
            let fixed = Migration(version: 2, name: "bad", sql: "CREATE TABLE half (n integer);")
            let applied = try await Migrator.migrate(pool: pool, logger: TestDatabase.logger, migrations: [good, fixed])
            #expect(applied.map(\.version) == [2])
        }
    }

    @Test func scheduleChangesNotifyButBookkeepingDoesNot() async throws {
        try await TestDatabase.withMigratedDatabase { database, pool in
            let listener = PostgresListener(
                configuration: try TestDatabase.configuration(database: database), channels: ["schedules_changed"],
                logger: TestDatabase.logger)
            let recorder = EventRecorder(listener)
            listener.start()
            #expect(try await recorder.next().event == .listening)

            let fixture = try await Fixture.make(pool)
            let id = try await fixture.insertSchedule()
            let inserted = try await recorder.next().event.notification
            let insertPayload = try Self.payload(inserted)
            #expect(insertPayload.op == "insert")
            #expect(insertPayload.id == id)
            #expect(insertPayload.agent_name == fixture.agent)
            #expect(insertPayload.revision == 1)

            let before = try #require(try await pool.queryFirst("SELECT revision, updated_at FROM schedules WHERE id = $1", .uuid(id)))
            // Run-time bookkeeping only: no revision bump, no updated_at, no notification.
            let changed = try await pool.execute(
                """
                UPDATE schedules SET next_run_at = now() + interval '1 hour', last_run_at = now(),
                       run_count = run_count + 1, consecutive_failures = 2 WHERE id = $1
                """, .uuid(id))
            #expect(changed == 1)
            let after = try #require(try await pool.queryFirst("SELECT revision, updated_at FROM schedules WHERE id = $1", .uuid(id)))
            #expect(try after.decode(Int.self, at: "revision") == 1)
            #expect(try after.decode(Date.self, at: "updated_at") == before.decode(Date.self, at: "updated_at"))
            // A sentinel on the same channel proves nothing was queued before it.
            try await pool.execute("SELECT pg_notify('schedules_changed', 'sentinel')")
            let (sentinel, skipped) = try await recorder.next()
            #expect(sentinel.notification?.payload == "sentinel")
            #expect(skipped.isEmpty, "bookkeeping update notified: \(skipped)")

            // A user-visible change bumps the revision and notifies.
            try await pool.execute("UPDATE schedules SET message = $2, enabled = false WHERE id = $1", .uuid(id), .text("new text"))
            let updated = try Self.payload(try await recorder.next().event.notification)
            #expect(updated.op == "update")
            #expect(updated.revision == 2)
            let revision = try await pool.queryFirst("SELECT revision FROM schedules WHERE id = $1", .uuid(id))
            #expect(try revision?.decode(Int.self, at: "revision") == 2)

            // Writing the same values again is not a change.
            try await pool.execute("UPDATE schedules SET message = $2 WHERE id = $1", .uuid(id), .text("new text"))
            try await pool.execute("DELETE FROM schedules WHERE id = $1", .uuid(id))
            let deleted = try Self.payload(try await recorder.next().event.notification)
            #expect(deleted.op == "delete")
            #expect(deleted.revision == 2)
            await listener.stop()
        }
    }

    @Test func checkConstraintsRejectBadValues() async throws {
        try await TestDatabase.withMigratedDatabase { _, pool in
            let fixture = try await Fixture.make(pool)
            let scheduleID = try await fixture.insertSchedule()
            let badStatements: [(String, [PostgresValue])] = [
                ("INSERT INTO users (username, password_hash, role) VALUES ('x', 'h', 'root')", []),
                ("INSERT INTO agents (name, owner) VALUES ('Bad_Name', $1)", [.uuid(fixture.user)]),
                ("INSERT INTO agents (name, owner) VALUES ($1, $2)", [.text(String(repeating: "a", count: 64)), .uuid(fixture.user)]),
                ("INSERT INTO api_keys (key_hash, name, owner, scope) VALUES ('h1', 'k', $1, 'agent')", [.uuid(fixture.user)]),
                ("INSERT INTO api_keys (key_hash, name, owner, scope) VALUES ('h2', 'k', $1, 'admin')", [.uuid(fixture.user)]),
                ("UPDATE schedules SET catchup = 'sometimes' WHERE id = $1", [.uuid(scheduleID)]),
                ("UPDATE schedules SET overlap = 'replace' WHERE id = $1", [.uuid(scheduleID)]),
                ("UPDATE schedules SET notify = 'sometimes' WHERE id = $1", [.uuid(scheduleID)]),
                ("UPDATE schedules SET trigger = 'weekly' WHERE id = $1", [.uuid(scheduleID)]),
                ("UPDATE schedules SET trigger = 'once' WHERE id = $1", [.uuid(scheduleID)]),
                ("UPDATE schedules SET run_at = now() WHERE id = $1", [.uuid(scheduleID)]),
                ("UPDATE schedules SET timeout_seconds = 59 WHERE id = $1", [.uuid(scheduleID)]),
                ("UPDATE schedules SET max_retries = 6 WHERE id = $1", [.uuid(scheduleID)]),
                ("UPDATE schedules SET retry_delay_seconds = 10 WHERE id = $1", [.uuid(scheduleID)]),
                ("UPDATE schedules SET message = '' WHERE id = $1", [.uuid(scheduleID)]),
                ("UPDATE schedules SET context = '[1]' WHERE id = $1", [.uuid(scheduleID)]),
                ("UPDATE schedules SET destination = '{\"kind\": \"fax\"}' WHERE id = $1", [.uuid(scheduleID)]),
                ("INSERT INTO executions (agent_name, triggered_by, status) VALUES ($1, 'manual', 'done')", [.text(fixture.agent)]),
                ("INSERT INTO executions (agent_name, triggered_by) VALUES ($1, 'cron')", [.text(fixture.agent)]),
                ("INSERT INTO executions (agent_name, triggered_by, status, skip_reason) VALUES ($1, 'manual', 'failed', 'overlap')", [.text(fixture.agent)]),
            ]
            for (sql, binds) in badStatements {
                do {
                    try await pool.execute(sql, binds)
                    Issue.record("accepted: \(sql)")
                } catch let error as PostgresError {
                    #expect(error.code == .checkViolation, "\(sql): \(error)")
                }
            }
            // And the defaults are what API.md promises.
            let row = try #require(try await pool.queryFirst("SELECT * FROM schedules WHERE id = $1", .uuid(scheduleID)))
            #expect(try row.decode(Int.self, at: "timeout_seconds") == 900)
            #expect(try row.decode(String.self, at: "catchup") == "latest")
            #expect(try row.decode(String.self, at: "overlap") == "skip")
            #expect(try row.decode(String.self, at: "notify") == "failure")
            #expect(try row.decode(Int.self, at: "max_consecutive_failures") == 5)
            #expect(try row.decode(String.self, at: "timezone") == "UTC")
            #expect(try row.decode(String?.self, at: "allowed_tools") == nil)
            let agent = try #require(try await pool.queryFirst("SELECT max_concurrency FROM agents WHERE name = $1", .text(fixture.agent)))
            #expect(try agent.decode(Int.self, at: "max_concurrency") == 10)
        }
    }

    @Test func anOccurrenceIsRecordedAtMostOnce() async throws {
        try await TestDatabase.withMigratedDatabase { _, pool in
            let fixture = try await Fixture.make(pool)
            let scheduleID = try await fixture.insertSchedule()
            let occurrence = Date(timeIntervalSince1970: 1_710_055_800)
            let claim = """
                INSERT INTO executions (schedule_id, agent_name, scheduled_for, triggered_by, status, worker_id)
                VALUES ($1, $2, $3, $4, 'running', $5)
                ON CONFLICT (schedule_id, scheduled_for, attempt) WHERE triggered_by IN ('schedule', 'catchup', 'retry')
                DO NOTHING RETURNING id
                """
            // Ten replicas race for the same occurrence: exactly one wins.
            let winners = try await withThrowingTaskGroup(of: Int.self) { group in
                for replica in 0..<10 {
                    group.addTask {
                        try await pool.query(
                            claim, .uuid(scheduleID), .text(fixture.agent), .timestamp(occurrence),
                            .text(replica % 2 == 0 ? "schedule" : "catchup"), .text("worker-\(replica)")
                        ).count
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(winners == 1)
            // Without ON CONFLICT the second claim is a unique violation.
            do {
                try await pool.execute(
                    "INSERT INTO executions (schedule_id, agent_name, scheduled_for, triggered_by) VALUES ($1, $2, $3, 'schedule')",
                    .uuid(scheduleID), .text(fixture.agent), .timestamp(occurrence))
                Issue.record("duplicate occurrence accepted")
            } catch let error as PostgresError {
                #expect(error.code == .uniqueViolation)
                #expect(error.constraint == "executions_occurrence_key")
            }
            // A retry is a new attempt; a manual run at the same instant is not an occurrence.
            #expect(try await pool.execute(
                "INSERT INTO executions (schedule_id, agent_name, scheduled_for, attempt, triggered_by) VALUES ($1, $2, $3, 2, 'retry')",
                .uuid(scheduleID), .text(fixture.agent), .timestamp(occurrence)) == 1)
            for _ in 0..<2 {
                #expect(try await pool.execute(
                    "INSERT INTO executions (schedule_id, agent_name, scheduled_for, triggered_by) VALUES ($1, $2, $3, 'manual')",
                    .uuid(scheduleID), .text(fixture.agent), .timestamp(occurrence)) == 1)
            }
            // Deleting the schedule keeps its history.
            try await pool.execute("DELETE FROM schedules WHERE id = $1", .uuid(scheduleID))
            let kept = try await pool.queryFirst("SELECT count(*) AS n FROM executions WHERE schedule_id IS NULL")
            #expect(try kept?.decode(Int.self, at: "n") == 4)
        }
    }

    private struct Payload: Decodable {
        var id: UUID
        var agent_name: String
        var revision: Int
        var op: String
    }

    private static func payload(_ notification: PostgresNotification?) throws -> Payload {
        let notification = try #require(notification)
        #expect(notification.channel == "schedules_changed")
        return try JSONDecoder().decode(Payload.self, from: Data(notification.payload.utf8))
    }
}

/// A user and an agent to hang schedules on.
private struct Fixture {
    let pool: PostgresPool
    let user: UUID
    let agent: String

    static func make(_ pool: PostgresPool) async throws -> Fixture {
        let user = try #require(
            try await pool.queryFirst(
                "INSERT INTO users (username, password_hash, role) VALUES ($1, $2, 'admin') RETURNING id",
                .text(TestDatabase.uniqueName("user")), .text("not-a-real-hash"))
        ).decode(UUID.self, at: "id")
        let agent = "agent-" + TestDatabase.uniqueName("a").replacingOccurrences(of: "_", with: "-")
        try await pool.execute("INSERT INTO agents (name, owner) VALUES ($1, $2)", .text(agent), .uuid(user))
        return Fixture(pool: pool, user: user, agent: agent)
    }

    func insertSchedule() async throws -> UUID {
        try #require(
            try await pool.queryFirst(
                """
                INSERT INTO schedules (agent_name, owner, name, trigger, cron_expression, message, context)
                VALUES ($1, $2, $3, 'cron', $4, $5, $6) RETURNING id
                """,
                .text(agent), .uuid(user), .text("daily report"), .text("0 9 * * 1-5"), .text("Summarise {{date}}"),
                .json(#"{"team": "ops"}"#))
        ).decode(UUID.self, at: "id")
    }
}

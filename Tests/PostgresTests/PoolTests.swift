import Foundation
import Synchronization
import Testing

@testable import Postgres

@Suite("Connection pool (real server)", .enabled(if: TestDatabase.isConfigured), .timeLimit(.minutes(1)))
struct PoolTests {
    @Test func connectsLazily() async throws {
        let pool = try TestDatabase.makePool(size: 5)
        #expect(pool.statistics.workers == 0)
        try await pool.ping()
        #expect(pool.statistics.workers == 1)
        await pool.shutdown()
    }

    /// 10×N sleeping queries (100 ms each) on N connections while a heartbeat keeps ticking:
    /// the blocking calls run on the pool's own threads, never on Swift's
    /// cooperative pool (2 threads on this machine), and waiters queue.
    @Test func servesTenTimesItsSizeWithoutBlockingTheCooperativePool() async throws {
        let size = 4
        let pool = try TestDatabase.makePool(size: size)
        let heartbeat = Task {
            var ticks = 0
            var longestGap = Duration.zero
            var last = ContinuousClock.now
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(10))
                let now = ContinuousClock.now
                longestGap = max(longestGap, now - last)
                last = now
                ticks += 1
            }
            return (ticks, longestGap)
        }
        let started = ContinuousClock.now
        let backends = try await withThrowingTaskGroup(of: Int32.self) { group in
            for _ in 0..<(10 * size) {
                group.addTask {
                    let row = try await pool.queryFirst("SELECT pg_backend_pid() AS pid, pg_sleep(0.1)")
                    return try #require(row).decode(Int32.self, at: "pid")
                }
            }
            return try await group.reduce(into: Set<Int32>()) { $0.insert($1) }
        }
        let elapsed = ContinuousClock.now - started
        heartbeat.cancel()
        let (ticks, longestGap) = await heartbeat.value

        #expect(backends.count == size, "every query ran on one of the pool's \(size) connections")
        #expect(pool.statistics.workers == size)
        #expect(elapsed >= .milliseconds(950), "40 × 100 ms on 4 connections cannot finish sooner")
        #expect(ticks >= 10, "heartbeat ticked \(ticks) times in \(elapsed)")
        // Had the queries blocked the two cooperative threads, the heartbeat would
        // have stalled for most of the ~1 s run; the bound is generous for a loaded machine.
        #expect(longestGap < .milliseconds(750), "heartbeat stalled for \(longestGap)")
        await pool.shutdown()
    }

    @Test func replacesConnectionsWhoseBackendsWereTerminated() async throws {
        let application = TestDatabase.uniqueName("sundial-reconnect")
        let pool = try TestDatabase.makePool(size: 3, applicationName: application)
        let admin = try TestDatabase.makePool(size: 1)
        let before = try await backendPIDs(pool, concurrent: 3)
        #expect(before.count == 3)

        #expect(try await TestDatabase.terminateBackends(applicationName: application, using: admin) == 3)

        // Idle connections that died are noticed before a statement is sent on them.
        let after = try await backendPIDs(pool, concurrent: 6)
        #expect(after.isDisjoint(with: before))
        for _ in 0..<5 { try await pool.ping() }
        await pool.shutdown()
        await admin.shutdown()
    }

    @Test func aStatementCutOffByTerminationFailsClearlyAndTheNextOneWorks() async throws {
        let application = TestDatabase.uniqueName("sundial-midquery")
        let pool = try TestDatabase.makePool(size: 1, applicationName: application)
        let admin = try TestDatabase.makePool(size: 1)
        let victim = Task { try await pool.query("SELECT pg_sleep(30)") }
        try await waitUntil("the sleep is running") {
            let row = try await admin.queryFirst(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'SELECT pg_sleep%'",
                .text(application))
            return try row?.decode(Int.self, at: "n") == 1
        }
        _ = try await TestDatabase.terminateBackends(applicationName: application, using: admin)

        do {
            _ = try await victim.value
            Issue.record("the terminated statement should fail")
        } catch let error as PostgresError {
            #expect(error.code == .connectionLost)
            #expect(error.isConnectionError)
            #expect(!error.message.isEmpty)
        }
        let pid = try await pool.queryFirst("SELECT pg_backend_pid() AS pid")?.decode(Int32.self, at: "pid")
        #expect(pid != nil)
        await pool.shutdown()
        await admin.shutdown()
    }

    @Test func aTransactionWhoseConnectionDiesDoesNotContinueOnAFreshOne() async throws {
        let application = TestDatabase.uniqueName("sundial-txlost")
        let pool = try TestDatabase.makePool(size: 1, applicationName: application)
        let admin = try TestDatabase.makePool(size: 1)
        try await TestDatabase.withTable("t_txlost", "(n integer)", using: admin) { table in
            await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { tx in
                    try await tx.execute("INSERT INTO \(table) VALUES (1)")
                    _ = try await TestDatabase.terminateBackends(applicationName: application, using: admin)
                    try await tx.execute("INSERT INTO \(table) VALUES (2)")
                }
            }
            let count = try await admin.queryFirst("SELECT count(*) AS n FROM \(table)")?.decode(Int.self, at: "n")
            #expect(count == 0, "neither insert may survive: the second must not run in autocommit on a new connection")
        }
        try await pool.ping()
        await pool.shutdown()
        await admin.shutdown()
    }

    @Test func unreachableServerIsAConnectionFailure() async throws {
        let configuration = try PostgresConfiguration(
            url: "postgres://sundial@127.0.0.1:1/none", connectTimeoutSeconds: 2)
        let pool = PostgresPool(configuration: configuration, size: 1, logger: TestDatabase.logger)
        do {
            try await pool.ping()
            Issue.record("ping should fail")
        } catch let error as PostgresError {
            #expect(error.code == .connectionFailed)
        }
        await pool.shutdown()
    }

    @Test func shutdownRefusesNewWorkAndFailsWaiters() async throws {
        try await TestDatabase.requireServer()
        let pool = try TestDatabase.makePool(size: 1)
        let holder = Task {
            try await pool.withConnection { session in
                try await session.execute("SELECT pg_sleep(0.3)")
            }
        }
        try await waitUntil("the only connection is leased") { pool.statistics.workers == 1 && pool.statistics.idle == 0 }
        let waiter = Task { try await pool.ping() }
        try await waitUntil("a caller is waiting") { pool.statistics.waiting == 1 }
        await pool.shutdown()
        do {
            try await waiter.value
            Issue.record("the waiter should be refused")
        } catch let error as PostgresError {
            #expect(error.code == .poolClosed)
        }
        _ = try await holder.value  // work in flight was allowed to finish
        await #expect(throws: PostgresError.self) { try await pool.ping() }
    }

    @Test func aCancelledWaiterLeavesTheQueue() async throws {
        try await TestDatabase.requireServer()
        let pool = try TestDatabase.makePool(size: 1)
        let gate = Task {
            try await pool.withConnection { session in try await session.execute("SELECT pg_sleep(0.3)") }
        }
        try await waitUntil("the only connection is leased") { pool.statistics.idle == 0 && pool.statistics.workers == 1 }
        let waiter = Task { try await pool.ping() }
        try await waitUntil("a caller is waiting") { pool.statistics.waiting == 1 }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(pool.statistics.waiting == 0)
        _ = try await gate.value
        try await pool.ping()
        await pool.shutdown()
    }

    private func backendPIDs(_ pool: PostgresPool, concurrent: Int) async throws -> Set<Int32> {
        try await withThrowingTaskGroup(of: Int32.self) { group in
            for _ in 0..<concurrent {
                group.addTask {
                    let row = try await pool.queryFirst("SELECT pg_backend_pid() AS pid, pg_sleep(0.1)")
                    return try #require(row).decode(Int32.self, at: "pid")
                }
            }
            return try await group.reduce(into: Set<Int32>()) { $0.insert($1) }
        }
    }
}

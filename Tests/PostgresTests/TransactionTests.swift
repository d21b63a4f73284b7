import Foundation
import Testing

@testable import Postgres

@Suite("Transactions (real server)", .enabled(if: TestDatabase.isConfigured), .timeLimit(.minutes(1)))
struct TransactionTests {
    struct Boom: Error {}

    @Test func commitMakesRowsVisibleAndRollbackDiscardsThem() async throws {
        let pool = try TestDatabase.makePool(size: 3)
        try await TestDatabase.withTable("t_tx", "(n integer)", using: pool) { table in
            let inserted = try await pool.withTransaction { tx in
                try await tx.execute("INSERT INTO \(table) VALUES ($1), ($2)", .int(1), .int(2))
            }
            #expect(inserted == 2)

            await #expect(throws: Boom.self) {
                try await pool.withTransaction { tx in
                    try await tx.execute("INSERT INTO \(table) VALUES ($1)", .int(3))
                    // Inside the transaction the row is visible…
                    let count = try await tx.queryFirst("SELECT count(*) AS n FROM \(table)")?.decode(Int.self, at: "n")
                    #expect(count == 3)
                    throw Boom()
                }
            }
            // …and after the rollback it is gone.
            let rows = try await pool.query("SELECT n FROM \(table) ORDER BY n")
            #expect(try rows.map { try $0.decode(Int.self, at: "n") } == [1, 2])
        }
        await pool.shutdown()
    }

    @Test func uncommittedRowsAreInvisibleToOtherConnections() async throws {
        let pool = try TestDatabase.makePool(size: 2)
        try await TestDatabase.withTable("t_iso", "(n integer)", using: pool) { table in
            try await pool.withTransaction { tx in
                try await tx.execute("INSERT INTO \(table) VALUES (1)")
                let outside = try await pool.queryFirst("SELECT count(*) AS n FROM \(table)")?.decode(Int.self, at: "n")
                #expect(outside == 0)
            }
            let after = try await pool.queryFirst("SELECT count(*) AS n FROM \(table)")?.decode(Int.self, at: "n")
            #expect(after == 1)
        }
        await pool.shutdown()
    }

    @Test func aCaughtStatementErrorStillFailsTheCommit() async throws {
        let pool = try TestDatabase.makePool(size: 1)
        try await TestDatabase.withTable("t_abort", "(n integer UNIQUE)", using: pool) { table in
            await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { tx in
                    try await tx.execute("INSERT INTO \(table) VALUES (1)")
                    _ = try? await tx.execute("INSERT INTO \(table) VALUES (1)")  // unique violation, swallowed
                }
            }
            let count = try await pool.queryFirst("SELECT count(*) AS n FROM \(table)")?.decode(Int.self, at: "n")
            #expect(count == 0)
        }
        await pool.shutdown()
    }

    @Test func isolationLevelAndReadOnlyAreApplied() async throws {
        let pool = try TestDatabase.makePool(size: 1)
        let level = try await pool.withTransaction(.serializable) { tx in
            try await tx.queryFirst("SHOW transaction_isolation")?.decode(String.self, at: 0)
        }
        #expect(level == "serializable")
        await #expect(throws: PostgresError.self) {
            try await pool.withTransaction(PostgresTransactionOptions(readOnly: true)) { tx in
                try await tx.execute("CREATE TEMP TABLE nope (n integer)")
            }
        }
        // The connection went back clean: the read-only transaction is over.
        let readOnly = try await pool.queryFirst("SHOW transaction_read_only")?.decode(String.self, at: 0)
        #expect(readOnly == "off")
        await pool.shutdown()
    }

    @Test func aTransactionHandleCannotOutliveItsBlock() async throws {
        let pool = try TestDatabase.makePool(size: 1)
        let escaped = try await pool.withTransaction { tx in tx }
        do {
            _ = try await escaped.query("SELECT 1")
            Issue.record("using an ended transaction should fail")
        } catch let error as PostgresError {
            #expect(error.code == .invalidUse)
        }
        await pool.shutdown()
    }

    @Test func sessionsKeepSessionStateAndNestTransactions() async throws {
        let pool = try TestDatabase.makePool(size: 2)
        try await pool.withConnection { session in
            try await session.execute("CREATE TEMP TABLE scratch (n integer)")
            try await session.withTransaction { tx in
                try await tx.execute("INSERT INTO scratch VALUES (7)")
            }
            let value = try await session.queryFirst("SELECT n FROM scratch")?.decode(Int.self, at: "n")
            #expect(value == 7)
            try await session.execute("DROP TABLE scratch")
        }
        await pool.shutdown()
    }
}

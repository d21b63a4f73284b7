import Foundation
import Testing

@testable import Postgres

@Suite("Queries, binds and decoding (real server)", .enabled(if: TestDatabase.isConfigured), .timeLimit(.minutes(1)))
struct QueryTests {
    @Test func everyBindTypeRoundTrips() async throws {
        let pool = try TestDatabase.makePool(size: 2)
        let id = UUID()
        let instant = Date(timeIntervalSince1970: 1_710_055_800.123456)
        let tricky = "it's a \"test\"; DROP TABLE users; -- \\ $1 %s 𝄞 Zürich 日本語 🙂"
        let row = try #require(
            try await pool.queryFirst(
                """
                SELECT $1::text AS text, $2 AS int, $3 AS double, $4 AS bool, $5 AS id, $6 AS at,
                       $7 AS doc, $8 AS bytes, $9::text AS missing, $10 AS big, $11 AS negative
                """,
                .text(tricky), .int(42), .double(-1.25e-7), .bool(true), .uuid(id), .timestamp(instant),
                .json(#"{"k": "v", "n": [1, 2]}"#), .bytea([0, 1, 127, 128, 255]), .null,
                .int(Int.max), .int(Int.min)))

        #expect(try row.decode(String.self, at: "text") == tricky)
        #expect(try row.decode(Int.self, at: "int") == 42)
        #expect(try row.decode(Int64.self, at: "int") == 42)
        #expect(try row.decode(Double.self, at: "double") == -1.25e-7)
        #expect(try row.decode(Bool.self, at: "bool") == true)
        #expect(try row.decode(UUID.self, at: "id") == id)
        let decoded = try row.decode(Date.self, at: "at")
        #expect(abs(decoded.timeIntervalSince(instant)) < 0.000_001)
        #expect(try row.decode([UInt8].self, at: "bytes") == [0, 1, 127, 128, 255])
        #expect(try row.decode(String?.self, at: "missing") == nil)
        #expect(try row.decodeIfPresent(Int.self, at: "missing") == nil)
        #expect(row.isNull("missing"))
        #expect(try row.decode(Int.self, at: "big") == Int.max)
        #expect(try row.decode(Int.self, at: "negative") == Int.min)

        struct Doc: Decodable, Equatable { var k: String; var n: [Int] }
        #expect(try row.decodeJSON(Doc.self, at: "doc") == Doc(k: "v", n: [1, 2]))
        let docBytes = try row.decode(Data.self, at: "doc")
        #expect(try JSONSerialization.jsonObject(with: docBytes) is [String: Any])
        await pool.shutdown()
    }

    @Test func valuesAreNeverSplicedIntoSQL() async throws {
        let pool = try TestDatabase.makePool(size: 1)
        try await TestDatabase.withTable("t_binds", "(name text NOT NULL)", using: pool) { table in
            let hostile = ["'); DROP TABLE \(table); --", "$1", "\\x00", "a'b''c", "; SELECT pg_sleep(5);", "\u{202E}evil"]
            for value in hostile {
                try await pool.execute("INSERT INTO \(table) (name) VALUES ($1)", .text(value))
            }
            let rows = try await pool.query(
                "SELECT name FROM \(table) WHERE name = ANY($1) ORDER BY name", .textArray(hostile))
            #expect(try rows.map { try $0.decode(String.self, at: "name") } == hostile.sorted())
        }
        await pool.shutdown()
    }

    @Test func nullAndMissingColumnsAreDecodeErrors() async throws {
        let pool = try TestDatabase.makePool(size: 1)
        let row = try #require(try await pool.queryFirst("SELECT NULL::text AS nothing, 'abc' AS word"))
        #expect(throws: PostgresError.self) { try row.decode(String.self, at: "nothing") }
        #expect(throws: PostgresError.self) { try row.decode(String.self, at: "no_such_column") }
        do {
            _ = try row.decode(Int.self, at: "word")
            Issue.record("decoding 'abc' as Int should fail")
        } catch {
            #expect(error.code == .decode)
            #expect(error.message.contains("word"))
        }
        await pool.shutdown()
    }

    @Test func timestampsDecodeWhateverTheSessionTimeZone() async throws {
        let pool = try TestDatabase.makePool(size: 1)
        let expected = Date(timeIntervalSince1970: 1_710_055_800.5)
        // Sessions start in UTC.
        let utc = try #require(try await pool.queryFirst("SELECT $1::timestamptz::text AS at", .timestamp(expected)))
        #expect(try utc.decode(String.self, at: "at") == "2024-03-10 07:30:00.5+00")
        // Offsets other than +00 (including minutes) parse too.
        try await pool.withConnection { session in
            try await session.execute("SET TimeZone TO 'Asia/Kolkata'")
            let row = try #require(try await session.queryFirst("SELECT $1::timestamptz AS at", .timestamp(expected)))
            #expect(row.values[0] == "2024-03-10 13:00:00.5+05:30")
            #expect(try row.decode(Date.self, at: "at") == expected)
            try await session.execute("SET TimeZone TO 'UTC'")
        }
        let dates = try #require(try await pool.queryFirst("SELECT DATE '2024-03-10' AS day, 'infinity'::timestamptz AS inf"))
        #expect(try dates.decode(Date.self, at: "day") == Date(timeIntervalSince1970: 1_710_028_800))
        #expect(try dates.decode(Date.self, at: "inf") == .distantFuture)
        await pool.shutdown()
    }

    @Test func bindsOfEveryByteAndSpecialDoubles() async throws {
        let pool = try TestDatabase.makePool(size: 1)
        let bytes = (0...255).map(UInt8.init)
        let row = try #require(
            try await pool.queryFirst(
                "SELECT $1 AS bytes, length($1) AS length, $2 AS inf, $3 AS nan, $4 AS ids",
                .bytea(bytes), .double(.infinity), .double(.nan), .uuidArray([UUID(), UUID()])))
        #expect(try row.decode([UInt8].self, at: "bytes") == bytes)
        #expect(try row.decode(Int.self, at: "length") == 256)
        #expect(try row.decode(Double.self, at: "inf") == .infinity)
        #expect(try row.decode(Double.self, at: "nan").isNaN)
        #expect(try row.decode(String.self, at: "ids").hasPrefix("{"))
        await pool.shutdown()
    }

    @Test func executeCountsAffectedRows() async throws {
        let pool = try TestDatabase.makePool(size: 2)
        try await TestDatabase.withTable("t_count", "(n integer)", using: pool) { table in
            let inserted = try await pool.execute("INSERT INTO \(table) SELECT generate_series(1, $1::int)", .int(5))
            let updated = try await pool.execute("UPDATE \(table) SET n = n + 1 WHERE n > $1", .int(2))
            let deleted = try await pool.execute("DELETE FROM \(table) WHERE n = $1", .int(1000))
            #expect((inserted, updated, deleted) == (5, 3, 0))
        }
        await pool.shutdown()
    }

    @Test func serverErrorsCarrySQLStateAndMessage() async throws {
        let pool = try TestDatabase.makePool(size: 1)
        do {
            try await pool.execute("SELEC 1")
            Issue.record("a syntax error should throw")
        } catch let error as PostgresError {
            #expect(error.code == .queryFailed)
            #expect(error.sqlState == "42601")
            #expect(error.message.contains("syntax error"))
        }
        // The connection is still fine afterwards.
        try await pool.ping()
        await pool.shutdown()
    }

    @Test func uniqueViolationIsRecognised() async throws {
        let pool = try TestDatabase.makePool(size: 2)
        try await TestDatabase.withTable("t_unique", "(key text CONSTRAINT {table}_key UNIQUE)", using: pool) { table in
            try await pool.execute("INSERT INTO \(table) VALUES ($1)", .text("once"))
            do {
                try await pool.execute("INSERT INTO \(table) VALUES ($1)", .text("once"))
                Issue.record("second insert should violate the unique constraint")
            } catch let error as PostgresError {
                #expect(error.code == .uniqueViolation)
                #expect(error.sqlState == "23505")
                #expect(error.constraint == "\(table)_key")
            }
            // ON CONFLICT DO NOTHING: an exactly-once insert reports 0 rows instead.
            #expect(
                try await pool.execute("INSERT INTO \(table) VALUES ($1) ON CONFLICT DO NOTHING", .text("once")) == 0)
        }
        await pool.shutdown()
    }

    @Test func nulInTextIsRefusedBeforeSending() async throws {
        let pool = try TestDatabase.makePool(size: 1)
        await #expect(throws: PostgresError.self) { try await pool.query("SELECT $1::text", .text("a\u{0}b")) }
        await pool.shutdown()
    }
}

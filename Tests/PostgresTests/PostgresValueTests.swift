import Foundation
import Testing

@testable import Postgres

/// Pure encoding/decoding, no server needed.
@Suite("Text encoding of values")
struct PostgresValueTests {
    @Test(arguments: [
        ("2024-03-10 07:30:00+00", 1_710_055_800.0),
        ("2024-03-10 07:30:00.5+00", 1_710_055_800.5),
        ("2024-03-10 07:30:00.123456+00", 1_710_055_800.123456),
        ("2024-03-10T07:30:00Z", 1_710_055_800.0),
        ("2024-03-10 02:30:00-05", 1_710_055_800.0),
        ("2024-03-10 13:00:00+05:30", 1_710_055_800.0),
        ("1883-11-18 12:03:58-04:56:02", -2_717_650_800.0),
        ("2024-03-10 07:30:00", 1_710_055_800.0),
        ("2024-03-10", 1_710_028_800.0),
        ("1970-01-01 00:00:00+00", 0.0),
        ("1969-12-31 23:59:59.999999+00", -0.000001),
        ("0044-03-15 12:00:00+00 BC", -63_517_780_800.0),
        ("10000-01-01 00:00:00+00", 253_402_300_800.0),
    ])
    func parsesTimestamps(text: String, seconds: Double) throws {
        let date = try #require(PostgresTimestamp.parse(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_000_5, "\(text)")
    }

    @Test(arguments: ["", "2024-3-10", "2024-03-10 7:30:00", "2024-13-01", "2024-03-10 07:30:00+", "yesterday",
        "2024-03-10 07:30:00.+00", "2024-03-10 07:30:00 junk"])
    func rejectsMalformedTimestamps(text: String) {
        #expect(PostgresTimestamp.parse(text) == nil)
    }

    @Test func infinityMapsToDistantDates() {
        #expect(PostgresTimestamp.parse("infinity") == .distantFuture)
        #expect(PostgresTimestamp.parse("-infinity") == .distantPast)
    }

    @Test(arguments: [0.0, 1_710_055_800.123456, -1.5, 1_000_000_000.000001, -63_517_780_800.0, 253_402_300_800.0])
    func formatsTimestampsThatParseBack(seconds: Double) throws {
        let text = PostgresTimestamp.format(Date(timeIntervalSince1970: seconds))
        let back = try #require(PostgresTimestamp.parse(text), "\(text)")
        #expect(abs(back.timeIntervalSince1970 - seconds) < 0.000_001, "\(text)")
    }

    @Test func formatsUTCWithMicroseconds() {
        #expect(PostgresTimestamp.format(Date(timeIntervalSince1970: 1_710_055_800.25)) == "2024-03-10 07:30:00.250000+00")
        #expect(PostgresTimestamp.format(Date(timeIntervalSince1970: 1_710_055_800)) == "2024-03-10 07:30:00+00")
    }

    @Test func byteaHexRoundTrips() throws {
        let bytes = (0...255).map(UInt8.init)
        let text = PostgresBytes.hexEncode(bytes)
        #expect(text.hasPrefix("\\x000102"))
        #expect(PostgresBytes.hexDecode(text) == bytes)
        #expect(PostgresBytes.hexDecode("\\x0") == nil)
        #expect(PostgresBytes.hexDecode("\\xzz") == nil)
    }

    @Test func arrayLiteralsQuoteEveryElement() throws {
        let value = PostgresValue.textArray(["a", "b\"c", "d\\e", "x,y", ""])
        #expect(try value.textRepresentation(index: 0) == #"{"a","b\"c","d\\e","x,y",""}"#)
    }

    @Test func nulBytesAreRefused() {
        #expect(throws: PostgresError.self) { try PostgresValue.text("a\u{0}b").textRepresentation(index: 0) }
    }

    @Test func optionalsBindAsNull() {
        let missing: String? = nil
        #expect(PostgresValue(missing) == .null)
        #expect(PostgresValue(Optional(5)) == .int(5))
    }

    @Test(arguments: [
        ("23505", PostgresError.Code.uniqueViolation), ("23514", .checkViolation), ("23503", .foreignKeyViolation),
        ("40001", .serializationFailure), ("57P01", .connectionLost), ("08006", .connectionLost),
        ("42601", .queryFailed),
    ])
    func sqlStatesMapToCodes(state: String, code: PostgresError.Code) {
        #expect(PostgresError.code(forSQLState: state) == code)
    }

    @Test func migrationFileNamesParse() throws {
        let migration = try Migration.parse(fileName: "0002_add_things.sql", sql: "SELECT 1")
        #expect(migration.version == 2)
        #expect(migration.name == "add_things")
        #expect(throws: PostgresError.self) { try Migration.parse(fileName: "initial.sql", sql: "") }
        #expect(throws: PostgresError.self) {
            try Migration.ordered([migration, Migration(version: 2, name: "other", sql: "")])
        }
    }

    @Test func bundledMigrationsAreOrderedAndStartAtOne() throws {
        let migrations = try Migration.bundled()
        #expect(migrations.first?.version == 1)
        #expect(migrations.map(\.version) == migrations.map(\.version).sorted())
        #expect(migrations.first?.sql.contains("CREATE TABLE schedules") == true)
    }

    @Test func configurationRejectsUnparseableURLsAndRedactsPasswords() throws {
        #expect(throws: PostgresError.self) { try PostgresConfiguration(url: "postgres://host/db?no_such_option=1") }
        let configuration = try PostgresConfiguration(url: "postgres://user:secret@localhost:5432/db")
        #expect(configuration.redactedURL == "postgres://user:***@localhost:5432/db")
    }
}

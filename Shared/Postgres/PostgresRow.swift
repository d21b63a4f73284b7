import Foundation

/// Column names and type OIDs of one result, shared by all its rows.
public final class PostgresColumns: Sendable {
    public let names: [String]
    /// Server type OIDs (`20` int8, `1184` timestamptz, `17` bytea…).
    public let typeOIDs: [UInt32]
    private let indexByName: [String: Int]

    init(names: [String], typeOIDs: [UInt32]) {
        self.names = names
        self.typeOIDs = typeOIDs
        var index: [String: Int] = [:]
        for (position, name) in names.enumerated() where index[name] == nil { index[name] = position }
        self.indexByName = index
    }

    public func index(of name: String) -> Int? { indexByName[name] }
}

/// One result row. Values are kept in Postgres' text format and decoded on
/// demand with `decode(_:at:)`.
public struct PostgresRow: Sendable {
    public let columns: PostgresColumns
    /// Raw text values; nil is SQL NULL.
    public let values: [String?]

    init(columns: PostgresColumns, values: [String?]) {
        self.columns = columns
        self.values = values
    }

    /// Decodes the named column. Use an optional type (`String?.self`) to accept NULL.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at column: String) throws(PostgresError) -> T {
        guard let index = columns.index(of: column) else {
            throw PostgresError(
                .decode, message: "no column \"\(column)\" in result (columns: \(columns.names.joined(separator: ", ")))")
        }
        return try decode(type, at: index)
    }

    /// Decodes the column at `index` (0-based).
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at index: Int) throws(PostgresError) -> T {
        guard values.indices.contains(index) else {
            throw PostgresError(.decode, message: "column index \(index) out of range (\(values.count) columns)")
        }
        let name = columns.names[index]
        guard let text = values[index] else {
            guard let value = T.postgresNull else {
                throw PostgresError(.decode, message: "column \"\(name)\" is NULL; decode \(T.self)? to accept NULL")
            }
            return value
        }
        do {
            return try T.decode(postgresText: text, typeOID: columns.typeOIDs[index])
        } catch {
            let shown = text.count > 64 ? String(text.prefix(64)) + "…" : text
            throw PostgresError(
                .decode,
                message: "column \"\(name)\" (type oid \(columns.typeOIDs[index])): cannot decode '\(shown)' as \(T.self)")
        }
    }

    /// Decodes the named column, giving nil for SQL NULL.
    public func decodeIfPresent<T: PostgresDecodable>(_ type: T.Type = T.self, at column: String) throws(PostgresError)
        -> T?
    {
        try decode(T?.self, at: column)
    }

    /// Decodes a `json`/`jsonb` (or text) column with `JSONDecoder`.
    public func decodeJSON<T: Decodable>(
        _ type: T.Type = T.self, at column: String, decoder: JSONDecoder = JSONDecoder()
    ) throws(PostgresError) -> T {
        let bytes = try decode(Data.self, at: column)
        do {
            return try decoder.decode(T.self, from: bytes)
        } catch {
            throw PostgresError(.decode, message: "column \"\(column)\": invalid JSON for \(T.self): \(error)")
        }
    }

    /// True when the named column exists and is SQL NULL.
    public func isNull(_ column: String) -> Bool {
        guard let index = columns.index(of: column) else { return false }
        return values[index] == nil
    }
}

/// A Swift type that can be read from a column's text representation.
public protocol PostgresDecodable: Sendable {
    /// Parses Postgres' text output for a column of type `typeOID`.
    static func decode(postgresText text: String, typeOID: UInt32) throws -> Self
    /// The value for SQL NULL, or nil when NULL is an error for this type.
    static var postgresNull: Self? { get }
}

extension PostgresDecodable {
    public static var postgresNull: Self? { nil }
}

/// Thrown by `decode(postgresText:typeOID:)`; wrapped into `PostgresError.decode`.
struct PostgresTextDecodingFailure: Error {}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(postgresText text: String, typeOID: UInt32) throws -> Wrapped? {
        try Wrapped.decode(postgresText: text, typeOID: typeOID)
    }
    public static var postgresNull: Wrapped?? { .some(nil) }
}

extension String: PostgresDecodable {
    public static func decode(postgresText text: String, typeOID: UInt32) throws -> String { text }
}

extension Int: PostgresDecodable {
    public static func decode(postgresText text: String, typeOID: UInt32) throws -> Int {
        guard let value = Int(text) else { throw PostgresTextDecodingFailure() }
        return value
    }
}

extension Int64: PostgresDecodable {
    public static func decode(postgresText text: String, typeOID: UInt32) throws -> Int64 {
        guard let value = Int64(text) else { throw PostgresTextDecodingFailure() }
        return value
    }
}

extension Int32: PostgresDecodable {
    public static func decode(postgresText text: String, typeOID: UInt32) throws -> Int32 {
        guard let value = Int32(text) else { throw PostgresTextDecodingFailure() }
        return value
    }
}

extension Double: PostgresDecodable {
    public static func decode(postgresText text: String, typeOID: UInt32) throws -> Double {
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default:
            guard let value = Double(text) else { throw PostgresTextDecodingFailure() }
            return value
        }
    }
}

extension Bool: PostgresDecodable {
    public static func decode(postgresText text: String, typeOID: UInt32) throws -> Bool {
        switch text {
        case "t", "true": return true
        case "f", "false": return false
        default: throw PostgresTextDecodingFailure()
        }
    }
}

extension UUID: PostgresDecodable {
    public static func decode(postgresText text: String, typeOID: UInt32) throws -> UUID {
        guard let value = UUID(uuidString: text) else { throw PostgresTextDecodingFailure() }
        return value
    }
}

extension Date: PostgresDecodable {
    public static func decode(postgresText text: String, typeOID: UInt32) throws -> Date {
        guard let value = PostgresTimestamp.parse(text) else { throw PostgresTextDecodingFailure() }
        return value
    }
}

extension Array: PostgresDecodable where Element == UInt8 {
    /// `bytea` columns are hex-decoded; any other column gives its UTF-8 text
    /// (the natural reading for `json`/`jsonb`).
    public static func decode(postgresText text: String, typeOID: UInt32) throws -> [UInt8] {
        if typeOID == 17 {
            guard let bytes = PostgresBytes.hexDecode(text) else { throw PostgresTextDecodingFailure() }
            return bytes
        }
        return Array(text.utf8)
    }
}

extension Data: PostgresDecodable {
    public static func decode(postgresText text: String, typeOID: UInt32) throws -> Data {
        Data(try [UInt8].decode(postgresText: text, typeOID: typeOID))
    }
}

extension PostgresRow {
    /// Decodes a text column holding an enumeration's raw value (`status`, `trigger`, …).
    public func decodeEnum<T: RawRepresentable>(_ type: T.Type = T.self, at column: String) throws(PostgresError) -> T
    where T.RawValue == String {
        let text = try decode(String.self, at: column)
        guard let value = T(rawValue: text) else {
            throw PostgresError(.decode, message: "column \"\(column)\": unknown value \"\(text)\" for \(T.self)")
        }
        return value
    }
}

import Domain
import Foundation

/// JSON in and out: parsing API bodies into ``JSONValue`` and printing values for people
/// (pretty, sorted keys) and scripts (one compact line).
public enum JSONText {
    /// Parses a whole JSON document (objects, arrays or scalars).
    public static func parse(_ bytes: some Collection<UInt8>) throws(SundialClientError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            let text = String(decoding: bytes.prefix(200), as: UTF8.self)
            throw .invalidResponse("expected JSON, got \(text.isEmpty ? "an empty body" : "\"\(text)\"")")
        }
    }

    /// Parses text a person typed (`--context '{"a":1}'`); nil when it is not JSON.
    public static func parse(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    /// Indented, keys sorted, slashes unescaped.
    public static func pretty(_ value: JSONValue) -> String {
        encode(value, [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// One line, keys sorted.
    public static func compact(_ value: JSONValue) -> String {
        encode(value, [.sortedKeys, .withoutEscapingSlashes])
    }

    /// The body bytes of a JSON request.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        Array(compact(value).utf8)
    }

    private static func encode(_ value: JSONValue, _ formatting: JSONEncoder.OutputFormatting) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = formatting
        // Encoding a JSONValue cannot fail: every case maps to a JSON value (non-finite
        // doubles never come out of the parser).
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}

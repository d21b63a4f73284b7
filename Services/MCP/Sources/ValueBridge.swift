import Domain
import Foundation
import MCP

/// Conversions between the MCP SDK's `Value` and Sundial's `JSONValue` (same JSON model;
/// `Value.data` travels as its `data:` URL string, as the SDK encodes it).
enum ValueBridge {
    static func json(_ value: Value) -> JSONValue {
        switch value {
        case .null: return .null
        case .bool(let bool): return .bool(bool)
        case .int(let int): return .int(int)
        case .double(let double): return .double(double)
        case .string(let string): return .string(string)
        case .array(let items): return .array(items.map(json))
        case .object(let members): return .object(members.mapValues(json))
        case .data:
            guard let data = try? JSONEncoder().encode(value), let decoded = try? JSONDecoder().decode(JSONValue.self, from: data) else {
                return .null
            }
            return decoded
        }
    }

    static func value(_ json: JSONValue) -> Value {
        switch json {
        case .null: .null
        case .bool(let bool): .bool(bool)
        case .int(let int): .int(int)
        case .double(let double): .double(double)
        case .string(let string): .string(string)
        case .array(let items): .array(items.map(value))
        case .object(let members): .object(members.mapValues(value))
        }
    }
}

import APISupport
import Cron
import Domain
import Foundation
import Hummingbird

/// Query parameters of the list endpoints, validated (400 naming the parameter); unknown
/// parameters are ignored.
struct ListQuery {
    let parameters: Parameters

    init(_ request: Request) {
        parameters = request.uri.queryParameters
    }

    func string(_ name: String) -> String? {
        parameters[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
    }

    func limit(default defaultValue: Int = 50, maximum: Int = 500) throws -> Int {
        guard let text = string("limit") else { return defaultValue }
        guard let value = Int(text), (1...maximum).contains(value) else {
            throw APIError.badRequest("limit: expected an integer from 1 to \(maximum), got \(JSONText.quote(text))")
        }
        return value
    }

    func instant(_ name: String) throws -> Date? {
        guard let text = string(name) else { return nil }
        guard let date = InstantFormat.parse(text) else {
            throw APIError.badRequest("\(name): expected an ISO-8601 instant such as 2024-03-10T07:30:00Z, got \(JSONText.quote(text))")
        }
        return date
    }

    func statuses() throws -> [ExecutionStatus] {
        guard let text = string("status") else { return [] }
        return try text.split(separator: ",").map { item in
            guard let status = ExecutionStatus(rawValue: item.trimmingCharacters(in: .whitespaces).lowercased()) else {
                let allowed = ExecutionStatus.allCases.map(\.rawValue).joined(separator: ", ")
                throw APIError.badRequest("status: expected one of \(allowed), got \(JSONText.quote(String(item)))")
            }
            return status
        }
    }

    func bool(_ name: String) throws -> Bool? {
        guard let text = string(name)?.lowercased() else { return nil }
        switch text {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw APIError.badRequest("\(name): expected true or false, got \(JSONText.quote(text))")
        }
    }
}

import Foundation
import Hummingbird
@testable import SundialAPI

/// The served OpenAPI document (the bundled `openapi.json`, as `GET /openapi.json` answers it),
/// with its operations indexed for the tests.
struct OpenAPIDocument: Sendable {
    static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    struct Operation: Sendable, CustomStringConvertible {
        var id: String
        /// Lower-case, as in the document (`get`).
        var method: String
        /// Path template (`/api/agents/{name}/schedules/{id}`).
        var path: String
        var node: JSON
        /// False when marked `x-sundial-implemented: false`.
        var implemented: Bool
        /// `security: []`.
        var isPublic: Bool
        /// Path-level and operation-level parameters, `$ref`s resolved (operation-level win).
        var parameters: [JSON]

        var description: String { "\(id) (\(method.uppercased()) \(path))" }

        func parameters(in location: String) -> [String] {
            parameters.filter { $0["in"]?.stringValue == location }.compactMap { $0["name"]?.stringValue }
        }

        var responses: [String: JSON] { node["responses"]?.objectValue ?? [:] }
    }

    let json: JSON
    let operations: [Operation]

    var validator: SchemaValidator { SchemaValidator(root: json) }

    /// The document exactly as the API serves it.
    static func served() throws -> OpenAPIDocument {
        guard let buffer = OpenAPIRoute.document else {
            throw DocumentError("openapi.json is missing from the SundialAPI resource bundle")
        }
        return try OpenAPIDocument(data: Data(buffer.readableBytesView))
    }

    init(data: Data) throws {
        json = try JSON.parse(data)
        var operations: [Operation] = []
        for (template, item) in (json["paths"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            let resolvedItem = Self.deref(item, in: json)
            let shared = resolvedItem["parameters"]?.arrayValue ?? []
            for method in Self.methods {
                guard let node = resolvedItem[method] else { continue }
                var parameters: [String: JSON] = [:]
                for parameter in shared + (node["parameters"]?.arrayValue ?? []) {
                    let resolved = Self.deref(parameter, in: json)
                    let key = "\(resolved["in"]?.stringValue ?? "?"):\(resolved["name"]?.stringValue ?? "?")"
                    parameters[key] = resolved
                }
                operations.append(Operation(
                    id: node["operationId"]?.stringValue ?? "",
                    method: method,
                    path: template,
                    node: node,
                    implemented: node["x-sundial-implemented"]?.boolValue ?? true,
                    isPublic: node["security"]?.arrayValue?.isEmpty == true,
                    parameters: parameters.sorted { $0.key < $1.key }.map(\.value)))
            }
        }
        self.operations = operations
    }

    func operation(_ id: String) -> Operation? {
        operations.first { $0.id == id }
    }

    /// The response object documented for `status`: exact code, then `4XX`-style range, then `default`.
    func response(of operation: Operation, status: Int) -> JSON? {
        let responses = operation.responses
        let candidate = responses[String(status)] ?? responses["\(status / 100)XX"] ?? responses["default"]
        return candidate.map { Self.deref($0, in: json) }
    }

    /// Follows `$ref` chains of non-schema objects (responses, parameters, path items).
    static func deref(_ node: JSON, in root: JSON) -> JSON {
        var current = node
        var hops = 0
        while let reference = current["$ref"]?.stringValue, hops < 16, let target = SchemaValidator.resolve(reference, in: root) {
            current = target
            hops += 1
        }
        return current
    }

    // MARK: Paths

    /// `/api/agents/{name}` → `/api/agents/{}`: parameter names do not matter for routing.
    static func normalized(_ template: String) -> String {
        template.split(separator: "/", omittingEmptySubsequences: true).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? "{}" : String(segment)
        }.reduce("") { $0 + "/" + $1 }
    }

    /// Parameter names of a template, in order.
    static func pathParameters(_ template: String) -> [String] {
        template.split(separator: "/").compactMap { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? String(segment.dropFirst().dropLast()) : nil
        }
    }

    /// Whether a concrete path (no query) is an instance of `template`.
    static func matches(template: String, path: String) -> Bool {
        let want = template.split(separator: "/", omittingEmptySubsequences: true)
        let have = path.split(separator: "/", omittingEmptySubsequences: true)
        guard want.count == have.count else { return false }
        return zip(want, have).allSatisfy { pattern, segment in
            (pattern.hasPrefix("{") && pattern.hasSuffix("}")) || pattern == segment
        }
    }

    /// The template with every parameter replaced by `value` (percent-encoded as a path segment).
    static func fill(_ template: String, with value: String) -> String {
        let encoded = value.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? value
        return template.split(separator: "/", omittingEmptySubsequences: true).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? encoded : String(segment)
        }.reduce("") { $0 + "/" + $1 }
    }
}

struct DocumentError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

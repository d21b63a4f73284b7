import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import SundialAPI

/// The document on its own (no database): served by `GET /openapi.json`, structurally sound,
/// covering every route of API.md, and using only schema keywords the validator checks.
@Suite("OpenAPI document")
struct DocumentTests {
    let document: OpenAPIDocument

    init() throws {
        document = try OpenAPIDocument.served()
    }

    @Test("GET /openapi.json serves the bundled document, public, as application/json")
    func served() async throws {
        let router = Router()
        OpenAPIRoute.add(to: router)
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                let body = Data(response.body.readableBytesView)
                #expect(body == Data(try #require(OpenAPIRoute.document).readableBytesView))
                let json = try JSON.parse(body)
                #expect(json["openapi"]?.stringValue == "3.1.0")
            }
        }
    }

    @Test("top level: OpenAPI 3.1, info, security schemes, global bearer security")
    func topLevel() throws {
        let json = document.json
        #expect(json["openapi"]?.stringValue?.hasPrefix("3.1.") == true)
        #expect(json["info"]?["title"]?.stringValue?.isEmpty == false)
        #expect(json["info"]?["version"]?.stringValue?.isEmpty == false)
        let schemes = try #require(json["components"]?["securitySchemes"]?.objectValue)
        #expect(schemes["bearerJWT"]?["scheme"]?.stringValue == "bearer")
        #expect(schemes["apiKey"]?["scheme"]?.stringValue == "bearer")
        let global = json["security"]?.arrayValue ?? []
        #expect(!global.isEmpty, "the default must be authenticated")
        for requirement in global + document.operations.flatMap({ $0.node["security"]?.arrayValue ?? [] }) {
            for name in (requirement.objectValue ?? [:]).keys {
                #expect(schemes[name] != nil, "security requirement names unknown scheme \(name)")
            }
        }
        #expect(document.operations.count >= 50)
    }

    @Test("every operation: unique operationId, summary, responses with descriptions, a success status")
    func operations() {
        var seen: Set<String> = []
        for operation in document.operations {
            #expect(!operation.id.isEmpty, "\(operation) has no operationId")
            #expect(seen.insert(operation.id).inserted, "duplicate operationId \(operation.id)")
            #expect(operation.node["summary"]?.stringValue?.isEmpty == false, "\(operation) has no summary")
            let responses = operation.responses
            #expect(!responses.isEmpty, "\(operation) has no responses")
            for (status, response) in responses {
                let valid = status == "default" || status.range(of: #"^[1-5]([0-9]{2}|XX)$"#, options: .regularExpression) != nil
                #expect(valid, "\(operation): bad status key \(status)")
                let resolved = OpenAPIDocument.deref(response, in: document.json)
                #expect(resolved["description"]?.stringValue != nil, "\(operation) \(status): response without description")
            }
            #expect(responses.keys.contains { $0.hasPrefix("2") || $0 == "101" }, "\(operation) documents no success")
            if let flag = operation.node["x-sundial-implemented"] {
                #expect(flag.boolValue != nil, "\(operation): x-sundial-implemented must be a boolean")
            }
        }
    }

    @Test("every $ref resolves")
    func references() {
        var unresolved: [String] = []
        func walk(_ node: JSON, _ pointer: String) {
            switch node {
            case .object(let members):
                if let reference = members["$ref"] {
                    if reference.stringValue.flatMap({ SchemaValidator.resolve($0, in: document.json) }) == nil {
                        unresolved.append("\(pointer): \(reference)")
                    }
                }
                for (key, value) in members { walk(value, "\(pointer)/\(key)") }
            case .array(let items):
                for (index, item) in items.enumerated() { walk(item, "\(pointer)/\(index)") }
            default:
                break
            }
        }
        walk(document.json, "#")
        #expect(unresolved.isEmpty, "unresolved: \(unresolved)")
    }

    @Test("path parameters: every {name} in a template is declared (in: path, required) and nothing else is")
    func pathParameters() {
        for operation in document.operations {
            let inTemplate = OpenAPIDocument.pathParameters(operation.path)
            let declared = operation.parameters.filter { $0["in"]?.stringValue == "path" }
            #expect(Set(inTemplate) == Set(declared.compactMap { $0["name"]?.stringValue }), "\(operation): template \(inTemplate), declared \(declared.map(\.description))")
            #expect(inTemplate.count == Set(inTemplate).count, "\(operation): repeated parameter name")
            for parameter in declared {
                #expect(parameter["required"]?.boolValue == true, "\(operation): path parameter \(parameter["name"] ?? .null) must be required")
            }
            for parameter in operation.parameters {
                #expect(parameter["schema"] != nil, "\(operation): parameter \(parameter["name"] ?? .null) has no schema")
            }
        }
    }

    @Test("security: exactly the public routes are public; every other operation documents 401")
    func security() {
        let expectedPublic: Set<String> = [
            "GET /health", "HEAD /health", "GET /ready", "GET /metrics", "GET /openapi.json", "POST /token", "GET /api/cron/preview",
        ]
        let actualPublic = Set(document.operations.filter(\.isPublic).map { "\($0.method.uppercased()) \($0.path)" })
        #expect(actualPublic == expectedPublic)
        for operation in document.operations where !operation.isPublic {
            #expect(operation.responses["401"] != nil, "\(operation) is authenticated but does not document 401")
        }
        for operation in document.operations where operation.path.hasPrefix("/api/") && operation.path != "/api/cron/preview" {
            #expect(!operation.isPublic, "\(operation) is under /api but public")
        }
    }

    @Test("error responses use the shared Error schema {detail, code}")
    func errorResponses() throws {
        let error = try #require(document.json["components"]?["schemas"]?["Error"])
        #expect(Set(error["required"]?.arrayValue?.compactMap(\.stringValue) ?? []) == ["detail", "code"])
        #expect(error["additionalProperties"] == .bool(false))
        for operation in document.operations {
            for (status, response) in operation.responses where status.hasPrefix("4") || status.hasPrefix("5") {
                if operation.id == "getReady" { continue }  // 503 keeps the readiness report (with detail and code)
                let resolved = OpenAPIDocument.deref(response, in: document.json)
                let schema = resolved["content"]?["application/json"]?["schema"]
                #expect(schema?["$ref"]?.stringValue == "#/components/schemas/Error", "\(operation) \(status) does not use Error")
            }
        }
    }

    @Test("schemas use only keywords the validator checks; required properties exist; defaults are valid")
    func schemaKeywords() {
        let validator = document.validator
        var problems: [String] = []
        func visitSchema(_ schema: JSON, _ pointer: String) {
            guard case .object(let members) = schema else { return }
            for key in members.keys where !SchemaValidator.validationKeywords.contains(key)
                && !SchemaValidator.annotationKeywords.contains(key) && !key.hasPrefix("x-")
            {
                problems.append("\(pointer): unsupported keyword \(key)")
            }
            if let properties = members["properties"]?.objectValue {
                for name in members["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where properties[name] == nil {
                    if members["additionalProperties"] == .bool(false) {
                        problems.append("\(pointer): required \(name) is not a property (and additionalProperties is false)")
                    }
                }
                for (name, child) in properties { visitSchema(child, "\(pointer)/properties/\(name)") }
            }
            if let defaultValue = members["default"] {
                var own = members
                own["default"] = nil
                own["description"] = nil
                let failures = validator.validate(defaultValue, against: .object(own))
                if !failures.isEmpty { problems.append("\(pointer): default \(defaultValue) invalid: \(failures)") }
            }
            for key in ["items", "additionalProperties", "not"] {
                if let child = members[key] { visitSchema(child, "\(pointer)/\(key)") }
            }
            for key in ["oneOf", "anyOf", "allOf"] {
                for (index, child) in (members[key]?.arrayValue ?? []).enumerated() { visitSchema(child, "\(pointer)/\(key)/\(index)") }
            }
        }
        for (name, schema) in document.json["components"]?["schemas"]?.objectValue ?? [:] {
            visitSchema(schema, "#/components/schemas/\(name)")
        }
        // Inline schemas of parameters, request bodies and responses.
        func visitContainers(_ node: JSON, _ pointer: String) {
            switch node {
            case .object(let members):
                for (key, value) in members {
                    if key == "schema" { visitSchema(value, "\(pointer)/schema") } else { visitContainers(value, "\(pointer)/\(key)") }
                }
            case .array(let items):
                for (index, item) in items.enumerated() { visitContainers(item, "\(pointer)/\(index)") }
            default:
                break
            }
        }
        visitContainers(document.json["paths"] ?? .null, "#/paths")
        visitContainers(document.json["components"]?["parameters"] ?? .null, "#/components/parameters")
        visitContainers(document.json["components"]?["responses"] ?? .null, "#/components/responses")
        #expect(problems.isEmpty, "\(problems)")
    }

    /// Every route of API.md (shared/API.md), implemented or not. Kept here because API.md is
    /// not in the repository; update both together.
    static let apiMarkdownRoutes: [String] = [
        "POST /token", "GET /api/users/me", "POST /api/users",
        "POST /api/keys", "GET /api/keys", "DELETE /api/keys/{id}",
        "POST /api/agents", "GET /api/agents", "GET /api/agents/{name}", "DELETE /api/agents/{name}",
        "POST /api/agents/{name}/start", "POST /api/agents/{name}/stop", "PUT /api/agents/{name}/autonomy",
        "POST /api/agents/{name}/schedules", "GET /api/agents/{name}/schedules",
        "GET /api/agents/{name}/schedules/{id}", "PUT /api/agents/{name}/schedules/{id}", "DELETE /api/agents/{name}/schedules/{id}",
        "POST /api/agents/{name}/schedules/{id}/enable", "POST /api/agents/{name}/schedules/{id}/disable",
        "POST /api/agents/{name}/schedules/{id}/trigger", "GET /api/agents/{name}/schedules/{id}/executions",
        "GET /api/agents/{name}/executions", "GET /api/agents/{name}/executions/{execution_id}",
        "POST /api/agents/{name}/executions/{execution_id}/cancel", "POST /api/agents/{name}/executions/{execution_id}/make-repeatable",
        "POST /api/agents/{name}/task", "GET /api/agents/{name}/executions/running",
        "GET /api/agents/{name}/executions/{execution_id}/log", "POST /api/agents/{name}/executions/{execution_id}/terminate",
        "GET /api/agents/{name}/executions/{execution_id}/stream",
        "GET /api/tasks", "GET /api/tasks/{id}", "POST /api/tasks", "POST /api/tasks/{id}/cancel", "DELETE /api/tasks/{id}",
        "GET /api/tasks/{id}/stream", "POST /api/tasks/{id}/message", "GET /api/tasks/running/count",
        "GET /api/executions", "GET /api/schedules", "GET /api/schedules/upcoming", "GET /api/timeline",
        "GET /api/agents/scheduler/status", "GET /api/ops/schedules", "POST /api/ops/schedules/pause",
        "POST /api/ops/schedules/resume", "GET /api/activities/{agent}", "GET /api/cron/preview",
        "GET /ws/events", "GET /health", "GET /ready", "GET /metrics", "GET /openapi.json",
    ]

    @Test("documents every route of API.md")
    func coversAPIMarkdown() {
        let documented = Set(document.operations.map { "\($0.method.uppercased()) \(OpenAPIDocument.normalized($0.path))" })
        for route in Self.apiMarkdownRoutes {
            let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
            let key = "\(parts[0]) \(OpenAPIDocument.normalized(parts[1]))"
            #expect(documented.contains(key), "API.md route \(route) is not in openapi.json")
        }
    }
}

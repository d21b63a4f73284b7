import APIAuth
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceRuntime
import SundialAPI
import SundialConfig
import Testing

/// Runs the real API router against the test Postgres/Redis, with an admin and helpers for
/// authenticated JSON requests.
struct APITestHarness {
    static let adminPassword = "admin-password-123"

    let config: APIConfig
    let resources: ServiceResources
    let auth: AuthService

    static func make(now: @escaping @Sendable () -> Date = Date.init, extra: [String: String] = [:]) async throws -> APITestHarness {
        let config = try APIConfig(environment: TestEnvironment.environment(extra: [
            "SUNDIAL_AGENT_URL_TEMPLATE": "http://127.0.0.1:9/agents/{name}",
        ].merging(extra) { $1 }))
        let resources = try await ServiceResources.open(common: config.common, applicationName: "sundial-test", logger: TestEnvironment.logger)
        let auth = try makeAuthService(config: config, resources: resources, logger: TestEnvironment.logger, passwordCost: .testing)
        try await auth.bootstrapAdmin(username: "admin", password: adminPassword)
        return APITestHarness(config: config, resources: resources, auth: auth)
    }

    func run(now: @escaping @Sendable () -> Date = Date.init, _ body: @Sendable (APIClient) async throws -> Void) async throws {
        let app = buildAPIApplication(config: config, resources: resources, auth: auth, logger: TestEnvironment.logger, now: now)
        try await app.test(.router) { client in
            try await body(APIClient(client: client))
        }
        await resources.close()
    }
}

/// A test client that speaks JSON and keeps a bearer token.
struct APIClient: Sendable {
    let client: any TestClientProtocol
    var token: String?

    init(client: any TestClientProtocol, token: String? = nil) {
        self.client = client
        self.token = token
    }

    struct Answer: Sendable {
        var status: HTTPResponse.Status
        var body: String
        var headers: HTTPFields

        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed]) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
        var detail: String { object["detail"] as? String ?? "" }
    }

    func request(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil, headers extra: HTTPFields = [:]) async throws -> Answer {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }) { response in
            Answer(status: response.status, body: String(buffer: response.body), headers: response.headers)
        }
    }

    /// A client logged in as `username`.
    func login(_ username: String = "admin", _ password: String = APITestHarness.adminPassword) async throws -> APIClient {
        let answer = try await client.execute(
            uri: "/token", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "username=\(username)&password=\(password)")
        ) { response in String(buffer: response.body) }
        let object = try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any]
        let token = try #require(object?["access_token"] as? String, "login failed: \(answer)")
        return APIClient(client: client, token: token)
    }

    /// Creates a user (as the current, admin, client) and returns a client logged in as them.
    func newUser(_ prefix: String = "user") async throws -> APIClient {
        let username = "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
        let created = try await request(.post, "/api/users", json: #"{"username":"\#(username)","password":"password-123","role":"user"}"#)
        #expect(created.status == .created, "\(created.body)")
        return try await login(username, "password-123")
    }

    static func uniqueAgentName(_ prefix: String = "agent") -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}

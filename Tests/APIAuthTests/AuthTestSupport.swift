import APIAuth
import APISupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Postgres
import Synchronization
import Testing

/// The integration server named by `SUNDIAL_TEST_DATABASE_URL`. Unset: the
/// database suites are disabled. Set but unreachable: they fail.
enum AuthTestDatabase {
    static let url = ProcessInfo.processInfo.environment["SUNDIAL_TEST_DATABASE_URL"]
    static var isConfigured: Bool { url != nil }

    static let logger: Logger = {
        var logger = Logger(label: "sundial.auth.tests")
        logger.logLevel = .error
        return logger
    }()

    static func makePool(database: String? = nil, size: Int = 4) throws -> PostgresPool {
        let url = try #require(url, "SUNDIAL_TEST_DATABASE_URL is not set")
        let configuration = try PostgresConfiguration(
            url: url, applicationName: "sundial-auth-tests", database: database, connectTimeoutSeconds: 5)
        return PostgresPool(configuration: configuration, size: size, logger: logger)
    }

    /// Runs `body` against a brand-new migrated database `sundial_auth_<random>`,
    /// dropped afterwards whether or not `body` throws.
    static func withMigratedDatabase<T>(_ body: (PostgresPool) async throws -> T) async throws -> T {
        let admin = try makePool(size: 1)
        // Identifiers cannot be bind parameters; the name is generated hex, never input.
        let name = "sundial_auth_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        do {
            try await admin.execute("CREATE DATABASE \(name)")
        } catch {
            await admin.shutdown()
            throw error
        }
        let pool = try makePool(database: name)
        do {
            try await Migrator.migrate(pool: pool, logger: logger)
            let result = try await body(pool)
            await pool.shutdown()
            try await admin.execute("DROP DATABASE \(name) WITH (FORCE)")
            await admin.shutdown()
            return result
        } catch {
            await pool.shutdown()
            _ = try? await admin.execute("DROP DATABASE \(name) WITH (FORCE)")
            await admin.shutdown()
            throw error
        }
    }
}

/// A clock the tests can move forward.
final class TestClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)
    func now() -> Date { Date().addingTimeInterval(offset.withLock { $0 }) }
    func advance(by seconds: TimeInterval) { offset.withLock { $0 += seconds } }
}

/// A flag set from any thread.
final class Flag: Sendable {
    private let state = Mutex(false)
    func set() { state.withLock { $0 = true } }
    var isSet: Bool { state.withLock { $0 } }
}

/// Hashing threads for the tests: many tests hash at once, more than the shared
/// pool's queue limit admits.
let testHashingPool = BlockingWorkPool(label: "test.hashing", threads: 2, maxQueued: 100_000)

let testSecret = "test-secret-0123456789-abcdefghij"

/// A service with cheap hashing and the test clock.
func makeService(_ pool: PostgresPool, clock: TestClock = TestClock(), lifetime: Int = 3600) throws -> AuthService {
    try AuthService(
        database: pool,
        configuration: AuthConfiguration(jwtSecret: testSecret, tokenLifetimeSeconds: lifetime, passwordCost: .testing),
        logger: AuthTestDatabase.logger, hashingPool: testHashingPool, now: { clock.now() })
}

/// The router the API will build: the middleware on every `/api` path (so unknown
/// paths answer 401 first), the auth routes, and a stand-in for the agent routes.
func makeRouter(_ service: AuthService) -> Router<APIRequestContext> {
    let router = Router(context: APIRequestContext.self)
    router.add(middleware: AuthMiddleware(service: service, onlyUnder: "/api"))
    let api = router.group("api")
    AuthRoutes.add(public: router, protected: api, service: service)
    api.get("agents/{name}") { _, context -> Response in
        _ = try context.requireIdentity()
        throw APIError.notFound("Agent not found")
    }
    router.get("public") { _, _ in "ok" }
    return router
}

/// A decoded response.
struct Reply: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var text: String

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    var array: [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] ?? []
    }

    var detail: String? { json["detail"] as? String }
    var code: String? { json["code"] as? String }
}

extension TestClientProtocol {
    func send(
        _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, contentType: String? = "application/json",
        body: String? = nil, headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let contentType, body != nil { headers[.contentType] = contentType }
        return try await execute(
            uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
        ) { response in
            Reply(status: response.status, headers: response.headers, text: String(buffer: response.body))
        }
    }

    func login(_ username: String, _ password: String) async throws -> String {
        let reply = try await send(
            .post, "/token", contentType: "application/x-www-form-urlencoded",
            body: "grant_type=password&username=\(username)&password=\(password)")
        try #require(reply.status == .ok, "login failed: \(reply.text)")
        return try #require(reply.json["access_token"] as? String)
    }
}

/// JSON text for a dictionary (test bodies).
func jsonText(_ object: [String: Any]) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
}

/// Polls `condition` every 20 ms, failing after `timeout`.
func waitUntil(_ what: String, timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("timed out waiting until \(what)")
}

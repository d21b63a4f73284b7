import APIAuth
import Foundation
import Hummingbird
import Logging
import Postgres
import Redis
import ServiceRuntime
import SundialConfig
import Testing
@testable import SundialAPI

/// The router and the document list the same routes. Hummingbird 2 exposes the registered
/// routes (`Router.routes`: method + path template), so this compares them directly; the
/// router is built on a pool and Redis client that never connect, so no database is needed.
@Suite("Router routes vs OpenAPI document")
struct RouteCoverageTests {
    /// Routes that are not API operations: the `/api/**` catch-all that answers 401/404 for
    /// unknown `/api` paths.
    static func isCatchAll(_ path: String) -> Bool {
        path.split(separator: "/").contains { $0 == "**" || $0 == "*" }
    }

    /// `(METHOD, normalized template)` of every route the real `buildAPIRouter` registers.
    static func routerRoutes() async throws -> [(method: String, path: String, raw: String)] {
        let config = try APIConfig(environment: Environment([
            "SUNDIAL_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
            "SUNDIAL_REDIS_URL": "redis://127.0.0.1:1/0",
            "SUNDIAL_HTTP_PORT": "0",
        ]))
        let logger = Logger(label: "sundial.openapi-test")
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: config.common.databaseURL), size: 1, logger: logger)
        let redis = try RedisClient(url: config.common.redisURL, connections: 1, logger: logger)
        let resources = ServiceResources(pool: pool, redis: redis)
        let auth = try makeAuthService(config: config, resources: resources, logger: logger, passwordCost: .testing)
        let router = buildAPIRouter(config: config, resources: resources, auth: auth)
        let routes = router.routes.map { route in
            (method: route.method.rawValue, path: OpenAPIDocument.normalized(route.path.description), raw: route.path.description)
        }
        await resources.close()
        return routes
    }

    @Test("every route the router has is documented, every implemented operation is routed, and flags are honest")
    func routesMatchDocument() async throws {
        let document = try OpenAPIDocument.served()
        let routes = try await Self.routerRoutes()
        #expect(routes.count > 20, "Router.routes looks empty: \(routes)")
        let routed = Set(routes.filter { !Self.isCatchAll($0.path) }.map { "\($0.method) \($0.path)" })
        #expect(routes.contains { Self.isCatchAll($0.path) && $0.raw.hasPrefix("/api/") }, "the /api/** catch-all (401 before 404) is gone")

        var documented: [String: OpenAPIDocument.Operation] = [:]
        for operation in document.operations {
            documented["\(operation.method.uppercased()) \(OpenAPIDocument.normalized(operation.path))"] = operation
        }
        for route in routes.sorted(by: { $0.raw < $1.raw }) where !Self.isCatchAll(route.path) {
            #expect(documented["\(route.method) \(route.path)"] != nil,
                    "the router has \(route.method) \(route.raw) but openapi.json does not document it")
        }
        for (key, operation) in documented.sorted(by: { $0.key < $1.key }) {
            if operation.implemented {
                #expect(routed.contains(key), "\(operation) is documented as implemented but the router has no such route (mark it x-sundial-implemented: false, or add the route)")
            } else {
                #expect(!routed.contains(key), "\(operation) is routed now: remove its x-sundial-implemented: false so the conformance test exercises it")
            }
        }
    }

    @Test("documented parameter names match the router's capture names")
    func parameterNames() async throws {
        let document = try OpenAPIDocument.served()
        let routes = try await Self.routerRoutes()
        for operation in document.operations where operation.implemented {
            let key = OpenAPIDocument.normalized(operation.path)
            guard let route = routes.first(where: { $0.method == operation.method.uppercased() && $0.path == key }) else { continue }
            #expect(OpenAPIDocument.pathParameters(route.raw) == OpenAPIDocument.pathParameters(operation.path),
                    "\(operation): router template \(route.raw)")
        }
    }
}

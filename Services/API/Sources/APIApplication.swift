import Hummingbird
import Logging
import Observability
import ServiceRuntime
import SundialConfig

/// Builds `sundial-api`: opens Postgres (migrating the schema) and Redis, then wires the
/// routes. The returned application runs the HTTP server and closes the shared
/// resources after the server has stopped (SIGTERM/SIGINT: graceful).
public func buildAPIApplication(config: APIConfig, logger: Logger) async throws -> some ApplicationProtocol {
    let resources = try await ServiceResources.open(common: config.common, applicationName: "sundial-api", logger: logger)
    return buildAPIApplication(config: config, resources: resources, logger: logger)
}

/// Wires `sundial-api` on already opened resources (tests pass their own).
public func buildAPIApplication(config: APIConfig, resources: ServiceResources, logger: Logger) -> some ApplicationProtocol {
    let router = buildAPIRouter(config: config, resources: resources)
    return Application(
        router: router,
        configuration: .init(address: .hostname(config.common.httpHost, port: config.common.httpPort), serverName: "sundial-api"),
        services: [resources.closer(logger: logger)],
        logger: logger
    )
}

/// The API's routes: operations endpoints plus the public API.
public func buildAPIRouter(config: APIConfig, resources: ServiceResources) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: LogRequestsMiddleware(.info))
    router.add(middleware: MetricsMiddleware())
    OperationalRoutes.add(to: router, service: "sundial-api", registry: MetricsSetup.bootstrap(), checks: resources.readinessChecks)
    CronRoutes.add(to: router)
    return router
}

import APIAuth
import APISupport
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import Redis
import Observability
import SundialEvents
import ServiceRuntime
import SundialConfig

/// Builds `sundial-api`: opens Postgres (migrating the schema) and Redis, makes sure the admin
/// user exists, then wires the routes. The returned application runs the HTTP server and
/// closes the shared resources after the server has stopped (SIGTERM/SIGINT: graceful).
public func buildAPIApplication(config: APIConfig, logger: Logger) async throws -> some ApplicationProtocol {
    let resources = try await ServiceResources.open(common: config.common, applicationName: "sundial-api", logger: logger)
    let auth = try makeAuthService(config: config, resources: resources, logger: logger)
    do {
        if let generated = try await auth.bootstrapAdmin(username: config.adminUsername, password: config.adminPassword) {
            logger.notice(
                "created admin user with a generated password (set SUNDIAL_ADMIN_PASSWORD to choose one)",
                metadata: ["username": "\(config.adminUsername)", "password": "\(generated)"])
        }
    } catch {
        await resources.close()
        throw error
    }
    return buildAPIApplication(config: config, resources: resources, auth: auth, logger: logger)
}

/// The authentication service on the shared pool.
public func makeAuthService(config: APIConfig, resources: ServiceResources, logger: Logger, passwordCost: PasswordHasher.Cost = .production) throws -> AuthService {
    try AuthService(
        database: resources.pool,
        configuration: AuthConfiguration(
            jwtSecret: config.jwtSecret, tokenLifetimeSeconds: config.tokenLifetimeSeconds, passwordCost: passwordCost,
            identityCacheSeconds: config.authCacheSeconds),
        logger: logger)
}

/// Wires `sundial-api` on already opened resources (tests pass their own).
public func buildAPIApplication(config: APIConfig, resources: ServiceResources, auth: AuthService, logger: Logger, now: @escaping @Sendable () -> Date = Date.init) -> some ApplicationProtocol {
    let events = EventStreamRoutes(
        auth: auth, relay: makeEventRelay(config: config, resources: resources, logger: logger), settings: config.events, logger: logger)
    let router = buildAPIRouter(config: config, resources: resources, auth: auth, now: now)
    let retention = EventRetention(
        reader: EventLogReader(database: resources.pool), retentionDays: config.eventRetentionDays,
        interval: .milliseconds(Int(config.events.cleanupIntervalSeconds * 1000)), logger: logger, now: now)
    return Application(
        router: router,
        server: events.serverBuilder(),
        configuration: .init(address: .hostname(config.common.httpHost, port: config.common.httpPort), serverName: "sundial-api"),
        // Stopped in reverse order: the relay and the cleanup before the shared resources close.
        services: [resources.closer(logger: logger), events.relay, retention],
        logger: logger
    )
}

/// The process's event relay: one Redis subscription on the client's Redis server.
func makeEventRelay(config: APIConfig, resources: ServiceResources, logger: Logger) -> EventRelay {
    EventRelay(
        reader: EventLogReader(database: resources.pool), redis: resources.redis.configuration,
        grace: .milliseconds(Int(config.events.gapGraceSeconds * 1000)),
        sendTimeout: .milliseconds(Int(config.events.sendTimeoutSeconds * 1000)), logger: logger)
}

/// The API's routes: operations endpoints, public routes, and `/api/*` behind authentication.
public func buildAPIRouter(config: APIConfig, resources: ServiceResources, auth: AuthService, now: @escaping @Sendable () -> Date = Date.init) -> Router<APIRequestContext> {
    let router = Router(context: APIRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    // One line per request at debug level (errors are logged at warning/error with the request id).
    router.add(middleware: LogRequestsMiddleware(.debug))
    router.add(middleware: MetricsMiddleware())
    OperationalRoutes.add(to: router, service: "sundial-api", registry: MetricsSetup.bootstrap(), checks: resources.readinessChecks)
    CronRoutes.add(to: router, now: now)
    OpenAPIRoute.add(to: router)
    EventStreamRoutes.addHTTPRoute(to: router, auth: auth)

    let api = router.group("api").add(middleware: AuthMiddleware(service: auth))
    AuthRoutes.add(public: router, protected: api, service: auth)
    let agentRepository = AgentRepository(database: resources.pool, urlTemplate: config.agentURLTemplate)
    let quotas = Quotas(config: config.quotas, database: resources.pool)
    let activities = ActivityLog(pool: resources.pool, events: EventLog(redis: resources.redis, logger: Logger(label: "sundial.api.events")))
    let agents = AgentRoutes(agents: agentRepository, quotas: quotas, activities: activities)
    agents.add(to: api)
    let schedules = ScheduleRoutes(agents: agents, schedules: ScheduleRepository(database: resources.pool), now: now, quotas: quotas, activities: activities)
    schedules.add(to: api)
    let executions = ExecutionRepository(database: resources.pool)
    let presence = SchedulerPresence(redis: resources.redis)
    ExecutionRoutes(
        agents: agents, schedules: schedules, agentRepository: agentRepository, executions: executions, presence: presence, quotas: quotas,
        activities: activities
    ).add(to: api)
    let tasks = TaskRoutes(agents: agents, executions: executions, presence: presence, quotas: quotas, activities: activities)
    tasks.add(to: api)
    let stream = ExecutionStreamRoute(agents: agents, executions: executions)
    stream.add(to: api)
    TaskManagerRoutes(agents: agents, agentRepository: agentRepository, executions: executions, tasks: tasks, stream: stream).add(to: api)
    AgentUpdateRoute(agents: agents).add(to: api)
    SessionRoutes(agents: agents, executions: executions).add(to: api)
    MakeRepeatableRoute(schedules: schedules, database: resources.pool).add(to: api)
    NotificationRoutes(agents: agents, executions: executions, deliveries: DeliveryRepository(database: resources.pool), database: resources.pool)
        .add(to: api)
    let scheduleRepository = ScheduleRepository(database: resources.pool)
    ScheduleViewRoutes(agents: agentRepository, schedules: scheduleRepository, executions: executions, now: now).add(to: api)
    ActivityRoutes(agents: agents, agentRepository: agentRepository, executions: executions).add(to: api)
    StatsRoutes(agents: agentRepository, database: resources.pool, now: now).add(to: api)
    OpsRoutes(pool: resources.pool, agents: agentRepository, schedules: scheduleRepository, presence: presence, now: now, activities: activities)
        .add(to: api)
    ActivityLogRoutes(agents: agentRepository, database: resources.pool).add(to: api)

    // Authentication comes before "not found": an unknown /api path answers 401 without a
    // token and 404 with one.
    for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch] {
        api.on("**", method: method) { _, context -> Response in
            _ = try context.requireIdentity()
            throw APIError.notFound("Not Found")
        }
    }
    return router
}

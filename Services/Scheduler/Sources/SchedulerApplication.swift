import Foundation
import Hummingbird
import Logging
import Observability
import ServiceRuntime
import SundialConfig

/// Builds `sundial-scheduler`: opens Postgres (migrating the schema) and Redis, then runs
/// the operations HTTP server (`/health`, `/ready`, `/metrics` on its own port) next to
/// the scheduler's long-running services. SIGTERM/SIGINT stop everything gracefully.
public func buildSchedulerApplication(config: SchedulerConfig, logger: Logger) async throws -> some ApplicationProtocol {
    var logger = logger
    logger[metadataKey: "worker_id"] = .string(config.workerID)
    let resources = try await ServiceResources.open(common: config.common, applicationName: "sundial-scheduler", logger: logger)
    return buildSchedulerApplication(config: config, resources: resources, logger: logger)
}

/// Wires the scheduler on already opened resources (tests pass their own).
public func buildSchedulerApplication(config: SchedulerConfig, resources: ServiceResources, logger: Logger) -> some ApplicationProtocol {
    let status = SchedulerStatus(workerID: config.workerID, startedAt: Date())
    let heartbeat = HeartbeatService(
        redis: resources.redis, status: status, interval: .seconds(config.heartbeatIntervalSeconds), logger: logger
    )
    let router = Router()
    OperationalRoutes.add(to: router, service: "sundial-scheduler", registry: MetricsSetup.bootstrap(), checks: resources.readinessChecks)
    router.get("/status") { _, _ -> Response in
        let data = try JSONEncoder.sundial.encode(status.snapshot())
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(config.common.httpHost, port: config.common.httpPort), serverName: "sundial-scheduler"),
        services: [resources.closer(logger: logger), heartbeat],
        logger: logger
    )
}

import AgentClient
import Domain
import Foundation
import Hummingbird
import Logging
import Observability
import SchedulerCore
import ServiceLifecycle
import ServiceRuntime
import SundialConfig

/// Builds `sundial-scheduler`: opens Postgres (migrating the schema) and Redis, then runs the
/// scheduling engine, the queued-execution worker, the execution janitor and the heartbeat,
/// next to the operations HTTP server (`/health`, `/ready`, `/metrics`, `/status` on its own
/// port). SIGTERM/SIGINT stop everything gracefully: no new occurrences, running ones finish.
public func buildSchedulerApplication(config: SchedulerConfig, logger: Logger) async throws -> some ApplicationProtocol {
    var logger = logger
    logger[metadataKey: "worker_id"] = .string(config.workerID)
    let resources = try await ServiceResources.open(common: config.common, applicationName: "sundial-scheduler", logger: logger)
    return buildSchedulerApplication(config: config, resources: resources, logger: logger)
}

/// Wires the scheduler on already opened resources (tests pass their own).
public func buildSchedulerApplication(
    config: SchedulerConfig, resources: ServiceResources, logger: Logger, transport: (any AgentTransport)? = nil
) -> some ApplicationProtocol {
    let status = SchedulerStatus(workerID: config.workerID, startedAt: Date())
    let components = SchedulerComponents(config: config, resources: resources, status: status, logger: logger, transport: transport)
    let router = Router()
    OperationalRoutes.add(to: router, service: "sundial-scheduler", registry: MetricsSetup.bootstrap(), checks: resources.readinessChecks)
    router.get("/status") { _, _ -> Response in
        let data = try JSONEncoder.sundial.encode(status.snapshot())
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(config.common.httpHost, port: config.common.httpPort), serverName: "sundial-scheduler"),
        services: [resources.closer(logger: logger)] + components.services,
        logger: logger
    )
}

/// Everything the scheduler runs, wired on shared resources.
struct SchedulerComponents {
    let services: [any Service]
    let engine: SchedulerEngine

    init(config: SchedulerConfig, resources: ServiceResources, status: SchedulerStatus, logger: Logger, transport: (any AgentTransport)?) {
        let feed = NotificationFeed(
            configuration: resources.pool.configuration,
            channels: [
                SchedulerChannels.schedulesChanged, PendingExecutionWorker.pendingChannel, PendingExecutionWorker.cancelChannel,
                DeliveryStore.channel,
            ],
            logger: logger)
        let events = EventLog(redis: resources.redis, logger: logger)
        let http = CurlHTTPClient(logger: logger)
        let agentTransport: any AgentTransport = transport ?? AgentClient(http: http, logger: logger)
        let cancellations = CancellationRegistry()
        let runner = AgentOccurrenceRunner(
            pool: resources.pool, transport: agentTransport, urlTemplate: config.agentURLTemplate, cancellations: cancellations, logger: logger)
        let completion = ExecutionCompletion(pool: resources.pool, events: events, logger: logger)
        engine = SchedulerEngine(
            configuration: SchedulerEngineConfiguration(
                workerID: config.workerID, maxConcurrentExecutions: config.maxConcurrentExecutions,
                resyncInterval: config.syncIntervalSeconds, lockTTLMargin: config.lockTTLSeconds),
            clock: WallClock(),
            source: PostgresScheduleSource(pool: resources.pool, feed: feed, logger: logger, events: events),
            store: PostgresOccurrenceStore(pool: resources.pool, events: events, completion: completion, logger: logger),
            locker: RedisOccurrenceLocker(redis: resources.redis),
            runner: runner,
            observer: EngineObserver(status: status, logger: logger))
        let engine = self.engine
        let heartbeat = HeartbeatService(
            redis: resources.redis, status: status, interval: .seconds(config.heartbeatIntervalSeconds), logger: logger,
            engineStatus: { await engine.status() })
        services = [
            ShutdownHook { await http.shutdown() },
            FeedService(feed: feed),
            heartbeat,
            ExecutionJanitor(
                pool: resources.pool, events: events, workerID: config.workerID, heartbeatInterval: .seconds(10),
                staleAfterSeconds: 60, logger: logger),
            AgentHealthMonitor(
                pool: resources.pool, redis: resources.redis, transport: agentTransport, urlTemplate: config.agentURLTemplate,
                interval: .seconds(config.agentHealthIntervalSeconds), logger: logger),
            PendingExecutionWorker(
                pool: resources.pool, feed: feed, runner: runner, completion: completion, events: events, status: status,
                workerID: config.workerID, maxConcurrent: config.maxConcurrentExecutions, pollInterval: .seconds(2), logger: logger),
            SchedulerEngineService(engine: engine, logger: logger),
            DeliveryWorker(
                store: DeliveryStore(pool: resources.pool), feed: feed, transport: CurlDeliveryTransport(http: http),
                config: config.delivery, workerID: config.workerID, logger: logger),
        ]
    }
}

/// Keeps the LISTEN connection running for the scheduler's lifetime.
struct FeedService: Service {
    let feed: NotificationFeed

    func run() async throws {
        await cancelWhenGracefulShutdown { await feed.run() }
    }
}

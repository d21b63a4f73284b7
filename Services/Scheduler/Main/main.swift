import Logging
import Observability
import SundialConfig
import SundialScheduler

let config: SchedulerConfig
do {
    config = try SchedulerConfig()
} catch {
    exitWithConfigurationError(program: "sundial-scheduler", error)
}
LoggingSetup.bootstrap(service: "sundial-scheduler", level: config.common.logLevel, format: config.common.logFormat)
let logger = Logger(label: "sundial.scheduler")
do {
    let app = try await buildSchedulerApplication(config: config, logger: logger)
    try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
} catch {
    logger.critical("sundial-scheduler stopped: \(error)")
    exitWithStartupError(program: "sundial-scheduler", error)
}

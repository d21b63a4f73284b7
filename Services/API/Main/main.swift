import Logging
import Observability
import SundialAPI
import SundialConfig

let config: APIConfig
do {
    config = try APIConfig()
} catch {
    exitWithConfigurationError(program: "sundial-api", error)
}
LoggingSetup.bootstrap(service: "sundial-api", level: config.common.logLevel, format: config.common.logFormat)
let logger = Logger(label: "sundial.api")
do {
    let app = try await buildAPIApplication(config: config, logger: logger)
    try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
} catch {
    logger.critical("sundial-api stopped: \(error)")
    exitWithStartupError(program: "sundial-api", error)
}

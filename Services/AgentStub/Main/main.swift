import AgentStub
import Logging
import Observability
import SundialConfig

let config: AgentStubConfig
do {
    config = try AgentStubConfig()
} catch {
    exitWithConfigurationError(program: "sundial-agent-stub", error)
}
LoggingSetup.bootstrap(service: "sundial-agent-stub", level: config.logLevel, format: config.logFormat)
let logger = Logger(label: "sundial.agent-stub")
let app = buildAgentStubApplication(config: config, logger: logger)
try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])

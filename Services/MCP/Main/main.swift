import Foundation
import Logging
import Observability
import SundialConfig
import SundialMCP

// `sundial-mcp [stdio|http]`: the transport from the argument, else SUNDIAL_MCP_TRANSPORT.
let arguments = CommandLine.arguments.dropFirst()
if arguments.contains("-h") || arguments.contains("--help") {
    print("""
        usage: sundial-mcp [stdio|http]
          stdio  MCP on standard input/output; SUNDIAL_API_KEY is the key every tool call uses
          http   MCP streamable HTTP on SUNDIAL_HTTP_HOST:SUNDIAL_HTTP_PORT (default 127.0.0.1:8090) at /mcp;
                 each client sends its API key as Authorization: Bearer <key>
        SUNDIAL_API_URL (default http://127.0.0.1:8080) is the Sundial API the tools call.
        """)
    exit(0)
}
let config: MCPConfig
do {
    var override: MCPConfig.Transport?
    if let word = arguments.first {
        guard let transport = MCPConfig.Transport(rawValue: word) else {
            throw ConfigError(variable: "argument", message: "expected stdio or http, got \"\(word)\"")
        }
        override = transport
    }
    config = try MCPConfig(transportOverride: override)
} catch {
    exitWithConfigurationError(program: "sundial-mcp", error)
}
LoggingSetup.bootstrap(service: "sundial-mcp", level: config.logLevel, format: config.logFormat)
let logger = Logger(label: "sundial.mcp")
do {
    switch config.transport {
    case .stdio:
        try await runMCPStdio(config: config, logger: logger)
    case .http:
        let app = try buildMCPHTTPApplication(config: config, logger: logger)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
} catch {
    exitWithStartupError(program: "sundial-mcp", error)
}

import Foundation

/// `sundial-mcp` settings: where the public API is, which transport to speak, and for the
/// stdio transport the API key every tool call uses.
public struct MCPConfig: Sendable, Equatable {
    public enum Transport: String, CaseIterable, Sendable {
        /// One client on standard input/output, authenticated by `SUNDIAL_API_KEY`.
        case stdio
        /// Streamable HTTP on `POST /mcp`; each client sends its own key as a bearer token.
        case http
    }

    public var apiURL: String
    public var apiKey: String?
    public var transport: Transport
    public var httpHost: String
    public var httpPort: Int
    /// An HTTP session unused this long is closed.
    public var sessionTimeoutSeconds: Double
    /// Browser origins allowed besides localhost ones (requests without `Origin` are always allowed).
    public var allowedOrigins: [String]
    public var logLevel: LogLevelName
    public var logFormat: LogFormat

    public init(environment env: Environment = .process, transportOverride: Transport? = nil) throws(ConfigError) {
        apiURL = try env.url("SUNDIAL_API_URL", default: "http://127.0.0.1:8080", schemes: ["http", "https"])
        apiKey = env.raw("SUNDIAL_API_KEY")
        if let transportOverride {
            transport = transportOverride
        } else {
            transport = try env.choice("SUNDIAL_MCP_TRANSPORT", default: Transport.stdio)
        }
        httpHost = env.string("SUNDIAL_HTTP_HOST", default: "127.0.0.1")
        httpPort = try env.int("SUNDIAL_HTTP_PORT", default: 8090, range: 0...65535)
        sessionTimeoutSeconds = try env.seconds("SUNDIAL_MCP_SESSION_TIMEOUT", default: 3600, range: 10...86_400)
        allowedOrigins = env.raw("SUNDIAL_MCP_ALLOWED_ORIGINS").map {
            $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        } ?? []
        logLevel = try env.choice("SUNDIAL_LOG_LEVEL", default: LogLevelName.info)
        logFormat = try env.choice("SUNDIAL_LOG_FORMAT", default: LogFormat.text)
        if transport == .stdio, apiKey == nil {
            throw ConfigError(
                variable: "SUNDIAL_API_KEY",
                message: "required for the stdio transport: an API key (POST /api/keys; scope \"agent\" to act on one agent only)")
        }
    }
}

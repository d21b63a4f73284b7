import Foundation

public enum LogFormat: String, CaseIterable, Sendable {
    case text
    case json
}

public enum LogLevelName: String, CaseIterable, Sendable {
    case trace, debug, info, notice, warning, error, critical
}

/// Settings every Sundial service reads the same way.
public struct CommonConfig: Sendable, Equatable {
    public var databaseURL: String
    public var redisURL: String
    public var databasePoolSize: Int
    public var httpHost: String
    public var httpPort: Int
    public var logLevel: LogLevelName
    public var logFormat: LogFormat
    /// How long a starting service waits for Postgres before giving up.
    public var startupTimeout: Double

    public static let defaultDatabaseURL = "postgres://sundial@127.0.0.1:55432/sundial"
    public static let defaultRedisURL = "redis://127.0.0.1:56379/0"

    public init(environment env: Environment, defaultPort: Int) throws(ConfigError) {
        databaseURL = try env.url("SUNDIAL_DATABASE_URL", default: Self.defaultDatabaseURL, schemes: ["postgres", "postgresql"])
        redisURL = try env.url("SUNDIAL_REDIS_URL", default: Self.defaultRedisURL, schemes: ["redis"])
        databasePoolSize = try env.int("SUNDIAL_DB_POOL_SIZE", default: 8, range: 1...200)
        httpHost = env.string("SUNDIAL_HTTP_HOST", default: "127.0.0.1")
        httpPort = try env.int("SUNDIAL_HTTP_PORT", default: defaultPort, range: 0...65535)
        logLevel = try env.choice("SUNDIAL_LOG_LEVEL", default: LogLevelName.info)
        logFormat = try env.choice("SUNDIAL_LOG_FORMAT", default: LogFormat.text)
        startupTimeout = try env.seconds("SUNDIAL_STARTUP_TIMEOUT", default: 60, range: 1...3600)
    }
}

/// `sundial-api` settings.
public struct APIConfig: Sendable, Equatable {
    public var common: CommonConfig
    public var jwtSecret: String
    public var tokenLifetimeSeconds: Int
    public var adminUsername: String
    /// nil: keep an existing admin's password; when no admin exists one is generated and logged once.
    public var adminPassword: String?
    public var agentURLTemplate: String
    public var eventRetentionDays: Int
    public var authCacheSeconds: Double
    /// WebSocket event relay and event-log retention settings.
    public var events: EventStreamConfig
    public var quotas: QuotaConfig

    public init(environment env: Environment = .process) throws(ConfigError) {
        common = try CommonConfig(environment: env, defaultPort: 8080)
        quotas = try QuotaConfig(environment: env)
        jwtSecret = env.string("SUNDIAL_JWT_SECRET", default: "sundial-dev-secret-change-me")
        if jwtSecret.utf8.count < 16 {
            throw ConfigError(variable: "SUNDIAL_JWT_SECRET", message: "must be at least 16 characters long")
        }
        tokenLifetimeSeconds = try env.int("SUNDIAL_TOKEN_LIFETIME", default: 86_400, range: 60...31_536_000)
        adminUsername = env.string("SUNDIAL_ADMIN_USERNAME", default: "admin")
        adminPassword = env.raw("SUNDIAL_ADMIN_PASSWORD")
        if let password = adminPassword, password.count < 8 {
            throw ConfigError(variable: "SUNDIAL_ADMIN_PASSWORD", message: "must be at least 8 characters long")
        }
        agentURLTemplate = try AgentURLTemplate.validated(env)
        eventRetentionDays = try env.int("SUNDIAL_EVENT_RETENTION_DAYS", default: 7, range: 1...3650)
        authCacheSeconds = try env.seconds("SUNDIAL_AUTH_CACHE_SECONDS", default: 5, range: 0...300)
        events = try EventStreamConfig(environment: env)
    }
}

/// `sundial-scheduler` settings.
public struct SchedulerConfig: Sendable, Equatable {
    public var common: CommonConfig
    public var syncIntervalSeconds: Double
    public var agentURLTemplate: String
    public var workerID: String
    public var lockTTLSeconds: Double
    public var heartbeatIntervalSeconds: Double
    public var maxConcurrentExecutions: Int
    public var agentHealthIntervalSeconds: Double
    public var delivery: DeliveryConfig

    public init(environment env: Environment = .process) throws(ConfigError) {
        common = try CommonConfig(environment: env, defaultPort: 8081)
        delivery = try DeliveryConfig(environment: env)
        syncIntervalSeconds = try env.seconds("SUNDIAL_SYNC_INTERVAL", default: 60, range: 1...3600)
        agentURLTemplate = try AgentURLTemplate.validated(env)
        let host = ProcessInfo.processInfo.hostName
        workerID = env.string("SUNDIAL_WORKER_ID", default: "\(host)-\(ProcessInfo.processInfo.processIdentifier)")
        lockTTLSeconds = try env.seconds("SUNDIAL_LOCK_TTL", default: 30, range: 2...600)
        heartbeatIntervalSeconds = try env.seconds("SUNDIAL_HEARTBEAT_INTERVAL", default: 5, range: 0.1...300)
        maxConcurrentExecutions = try env.int("SUNDIAL_MAX_CONCURRENT_EXECUTIONS", default: 10_000, range: 1...100_000)
        agentHealthIntervalSeconds = try env.seconds("SUNDIAL_AGENT_HEALTH_INTERVAL", default: 15, range: 1...3600)
    }
}

/// `SUNDIAL_AGENT_URL_TEMPLATE`: where an agent without its own endpoint URL lives.
public enum AgentURLTemplate {
    public static let defaultValue = "http://agent-{name}:8000"

    static func validated(_ env: Environment) throws(ConfigError) -> String {
        let template = env.string("SUNDIAL_AGENT_URL_TEMPLATE", default: defaultValue)
        let sample = expand(template, name: "sample")
        guard let components = URLComponents(string: sample), let scheme = components.scheme,
              ["http", "https"].contains(scheme.lowercased()), components.host?.isEmpty == false
        else {
            throw ConfigError(
                variable: "SUNDIAL_AGENT_URL_TEMPLATE",
                message: "expected an http(s) URL, optionally containing {name}, got \"\(template)\""
            )
        }
        return template
    }

    /// The endpoint of agent `name` (`{name}` replaced), without a trailing slash.
    public static func expand(_ template: String, name: String) -> String {
        var url = template.replacingOccurrences(of: "{name}", with: name)
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}

/// `sundial-agent-stub` settings.
public struct AgentStubConfig: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var delayMilliseconds: Int
    public var failureRate: Double
    public var maxConcurrency: Int
    public var logLevel: LogLevelName
    public var logFormat: LogFormat

    public init(environment env: Environment = .process) throws(ConfigError) {
        host = env.string("SUNDIAL_STUB_HOST", default: "127.0.0.1")
        port = try env.int("SUNDIAL_STUB_PORT", default: 9000, range: 0...65535)
        delayMilliseconds = try env.int("SUNDIAL_STUB_DELAY_MS", default: 200, range: 0...3_600_000)
        failureRate = try env.double("SUNDIAL_STUB_FAILURE_RATE", default: 0, range: 0...1)
        maxConcurrency = try env.int("SUNDIAL_STUB_MAX_CONCURRENCY", default: 50, range: 1...100_000)
        logLevel = try env.choice("SUNDIAL_LOG_LEVEL", default: LogLevelName.info)
        logFormat = try env.choice("SUNDIAL_LOG_FORMAT", default: LogFormat.text)
    }
}

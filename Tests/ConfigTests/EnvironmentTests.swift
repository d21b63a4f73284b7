import Testing
@testable import SundialConfig

@Suite("Configuration from the environment")
struct EnvironmentTests {
    @Test("defaults give a working local setup")
    func defaults() throws {
        let api = try APIConfig(environment: Environment([:]))
        #expect(api.common.httpHost == "127.0.0.1")
        #expect(api.common.httpPort == 8080)
        #expect(api.common.databaseURL == CommonConfig.defaultDatabaseURL)
        #expect(api.common.logFormat == .text)
        #expect(api.agentURLTemplate == "http://agent-{name}:8000")
        let scheduler = try SchedulerConfig(environment: Environment([:]))
        #expect(scheduler.common.httpPort == 8081)
        #expect(scheduler.syncIntervalSeconds == 60)
        #expect(!scheduler.workerID.isEmpty)
    }

    @Test("values are read and trimmed")
    func reads() throws {
        let env = Environment([
            "SUNDIAL_HTTP_PORT": " 9090 ", "SUNDIAL_LOG_FORMAT": "JSON", "SUNDIAL_SYNC_INTERVAL": "5m",
            "SUNDIAL_DATABASE_URL": "postgresql://u:p@db:5432/x", "SUNDIAL_WORKER_ID": "w-1",
        ])
        let scheduler = try SchedulerConfig(environment: env)
        #expect(scheduler.common.httpPort == 9090)
        #expect(scheduler.common.logFormat == .json)
        #expect(scheduler.syncIntervalSeconds == 300)
        #expect(scheduler.workerID == "w-1")
        #expect(scheduler.common.databaseURL == "postgresql://u:p@db:5432/x")
    }

    @Test("a bad value names the variable in one line", arguments: [
        ("SUNDIAL_HTTP_PORT", "80a", "SUNDIAL_HTTP_PORT: expected an integer in 0...65535, got \"80a\""),
        ("SUNDIAL_HTTP_PORT", "70000", "SUNDIAL_HTTP_PORT: expected an integer in 0...65535, got \"70000\""),
        ("SUNDIAL_LOG_FORMAT", "xml", "SUNDIAL_LOG_FORMAT: expected one of text, json, got \"xml\""),
        ("SUNDIAL_LOG_LEVEL", "loud", "SUNDIAL_LOG_LEVEL: expected one of trace, debug, info, notice, warning, error, critical, got \"loud\""),
        ("SUNDIAL_DATABASE_URL", "mysql://x/y", "SUNDIAL_DATABASE_URL: expected a postgres:// or postgresql:// URL with a host, got \"mysql://x/y\""),
        ("SUNDIAL_REDIS_URL", "localhost:6379", "SUNDIAL_REDIS_URL: expected a redis:// URL with a host, got \"localhost:6379\""),
        ("SUNDIAL_SYNC_INTERVAL", "0", "SUNDIAL_SYNC_INTERVAL: expected a duration in seconds (e.g. 60, 500ms, 5m) between 1.0s and 3600.0s, got \"0\""),
        ("SUNDIAL_AGENT_URL_TEMPLATE", "ftp://{name}", "SUNDIAL_AGENT_URL_TEMPLATE: expected an http(s) URL, optionally containing {name}, got \"ftp://{name}\""),
        ("SUNDIAL_DB_POOL_SIZE", "0", "SUNDIAL_DB_POOL_SIZE: expected an integer in 1...200, got \"0\""),
    ])
    func badValue(variable: String, value: String, message: String) {
        #expect(throws: ConfigError(variable: variable, message: String(message.dropFirst(variable.count + 2)))) {
            _ = try SchedulerConfig(environment: Environment([variable: value]))
        }
        do {
            _ = try SchedulerConfig(environment: Environment([variable: value]))
        } catch {
            #expect(error.description == message)
            #expect(!error.description.contains("\n"))
        }
    }

    @Test("passwords in URLs are not echoed in errors")
    func redaction() {
        do {
            _ = try CommonConfig(environment: Environment(["SUNDIAL_REDIS_URL": "http://user:secret@host"]), defaultPort: 1)
            Issue.record("expected an error")
        } catch {
            #expect(!error.description.contains("secret"))
            #expect(error.description.contains("***@host"))
        }
    }

    @Test("API secrets must be long enough")
    func secrets() {
        #expect(throws: ConfigError.self) { _ = try APIConfig(environment: Environment(["SUNDIAL_JWT_SECRET": "short"])) }
        #expect(throws: ConfigError.self) { _ = try APIConfig(environment: Environment(["SUNDIAL_ADMIN_PASSWORD": "pw"])) }
    }

    @Test("agent URL template expansion")
    func template() {
        #expect(AgentURLTemplate.expand("http://agent-{name}:8000/", name: "research") == "http://agent-research:8000")
        #expect(AgentURLTemplate.expand("http://127.0.0.1:9000/agents/{name}", name: "a-1") == "http://127.0.0.1:9000/agents/a-1")
    }
}

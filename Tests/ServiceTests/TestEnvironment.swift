import Foundation
import Logging
import ServiceRuntime
import SundialConfig

/// The servers `make test` provides (see scripts/provision.sh). Integration suites are
/// enabled when the variables are set, and fail (not skip) when the servers do not answer.
enum TestEnvironment {
    static let databaseURL = ProcessInfo.processInfo.environment["SUNDIAL_TEST_DATABASE_URL"]
    static let redisURL = ProcessInfo.processInfo.environment["SUNDIAL_TEST_REDIS_URL"]
    static var available: Bool { databaseURL != nil && redisURL != nil }

    static let logger: Logger = {
        var logger = Logger(label: "sundial.test")
        logger.logLevel = .warning
        return logger
    }()

    /// Configuration pointing at the test servers, optionally through proxies.
    static func environment(databaseURL: String? = nil, redisURL: String? = nil, extra: [String: String] = [:]) -> Environment {
        var values = [
            "SUNDIAL_DATABASE_URL": databaseURL ?? self.databaseURL ?? "",
            "SUNDIAL_REDIS_URL": redisURL ?? self.redisURL ?? "",
            "SUNDIAL_HTTP_PORT": "0",
            "SUNDIAL_DB_POOL_SIZE": "4",
            "SUNDIAL_STARTUP_TIMEOUT": "10",
        ]
        values.merge(extra) { _, new in new }
        return Environment(values)
    }

    /// Port of a `scheme://host:port/...` URL.
    static func port(of url: String) -> UInt16 {
        UInt16(URLComponents(string: url)?.port ?? 0)
    }

    /// The URL with its port replaced (to route it through a proxy).
    static func replacingPort(of url: String, with port: UInt16) -> String {
        var components = URLComponents(string: url)!
        components.port = Int(port)
        return components.string!
    }
}

import Logging
import Observability
import Postgres
import Redis
import ServiceLifecycle
import SundialConfig

/// The Postgres pool and Redis client a service shares between its components,
/// created from configuration, with the schema migrated before the service starts.
public struct ServiceResources: Sendable {
    public let pool: PostgresPool
    public let redis: RedisClient

    public init(pool: PostgresPool, redis: RedisClient) {
        self.pool = pool
        self.redis = redis
    }

    /// Connects to Postgres (waiting while it is not reachable, up to `startupTimeout`),
    /// applies pending migrations under the shared advisory lock, and prepares the Redis
    /// client (Redis may still be down: it is only reported by `/ready`).
    public static func open(
        common: CommonConfig, applicationName: String, redisConnections: Int = 4, logger: Logger
    ) async throws -> ServiceResources {
        let configuration = try PostgresConfiguration(url: common.databaseURL, applicationName: applicationName, connectTimeoutSeconds: 5)
        let pool = PostgresPool(configuration: configuration, size: common.databasePoolSize, logger: logger)
        let redis: RedisClient
        do {
            redis = try RedisClient(url: common.redisURL, connections: redisConnections, logger: logger)
        } catch {
            await pool.shutdown()
            throw error
        }
        do {
            try await StartupRetry.untilSuccess(what: "Postgres at \(configuration.redactedURL)", timeout: common.startupTimeout, logger: logger) {
                try await pool.ping()
            }
            let applied = try await Migrator.migrate(pool: pool, logger: logger)
            if applied.isEmpty {
                logger.info("database schema is up to date")
            } else {
                logger.info("applied migrations", metadata: ["versions": "\(applied.map(\.version))"])
            }
        } catch {
            await pool.shutdown()
            await redis.shutdown()
            throw error
        }
        return ServiceResources(pool: pool, redis: redis)
    }

    /// `/ready` checks for both dependencies.
    public var readinessChecks: [ReadinessCheck] {
        let pool = self.pool
        let redis = self.redis
        return [
            ReadinessCheck(name: "postgres") { try await pool.ping() },
            ReadinessCheck(name: "redis") {
                // A pooled connection that died while idle fails once and reconnects on the next
                // call; one retry keeps a stale connection from reporting a healthy Redis as down.
                do { try await redis.ping() } catch { try await redis.ping() }
            },
        ]
    }

    /// A service that closes the pool and client after everything started before it has stopped.
    public func closer(logger: Logger) -> some Service {
        ResourceCloser(resources: self, logger: logger)
    }

    public func close() async {
        await pool.shutdown()
        await redis.shutdown()
    }
}

/// Waits for graceful shutdown, then closes the shared resources. Registered first in a
/// service group so it is shut down last (ServiceGroup stops services in reverse order).
struct ResourceCloser: Service {
    let resources: ServiceResources
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        logger.info("shutting down: closing Postgres and Redis connections")
        await resources.close()
        logger.info("stopped")
    }
}

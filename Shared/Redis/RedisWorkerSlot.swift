import Logging

/// The connection state of one client worker thread. Only that thread touches it.
///
/// It connects lazily, drops the connection when hiredis reports it broken,
/// reconnects on the next job, and after a failed reconnect refuses work
/// (`.unavailable`) until its backoff delay has passed, so an outage costs
/// callers a fast error instead of a queue of connect timeouts. A reconnect by
/// any other worker of the same client ends the backoff early, so a worker in
/// backoff does not keep failing calls that a healthy sibling could serve.
final class RedisWorkerSlot {
    private let configuration: RedisConfiguration
    private let backoff: RedisBackoff
    private let logger: Logger
    private let health: RedisPoolHealth
    private let clock = ContinuousClock()

    private var connection: RedisConnection?
    private var failedAttempts = 0
    private var retryAt: ContinuousClock.Instant?
    private var failedAt: ContinuousClock.Instant?
    private var lastError: RedisError?
    private var everConnected = false

    init(configuration: RedisConfiguration, backoff: RedisBackoff, health: RedisPoolHealth, logger: Logger) {
        self.configuration = configuration
        self.backoff = backoff
        self.health = health
        self.logger = logger
    }

    func perform<T>(_ body: (RedisConnection) throws(RedisError) -> T) throws(RedisError) -> T {
        let connection = try connected()
        do {
            return try body(connection)
        } catch {
            if error.breaksConnection || connection.isBroken {
                self.connection = nil
                logger.warning("redis connection lost", metadata: ["redis_endpoint": "\(configuration.endpointDescription)", "error": "\(error.message)"])
            }
            throw error
        }
    }

    private func connected() throws(RedisError) -> RedisConnection {
        if let connection { return connection }
        if let retryAt, let failedAt, clock.now < retryAt, !health.connected(after: failedAt) {
            let wait = clock.now.duration(to: retryAt)
            let cause = lastError.map { ": \($0.message)" } ?? ""
            throw RedisError(.unavailable, "redis at \(configuration.endpointDescription) unreachable, next reconnect in \(wait.wholeMillisecondsRoundedUp) ms\(cause)")
        }
        do {
            let connection = try RedisConnection.connect(to: configuration)
            if everConnected {
                logger.info("redis reconnected", metadata: ["redis_endpoint": "\(configuration.endpointDescription)", "failed_attempts": "\(failedAttempts)"])
            }
            everConnected = true
            failedAttempts = 0
            retryAt = nil
            failedAt = nil
            lastError = nil
            health.recordConnect(at: clock.now)
            self.connection = connection
            return connection
        } catch {
            let delay = backoff.delay(attempt: failedAttempts)
            failedAttempts += 1
            failedAt = clock.now
            retryAt = clock.now.advanced(by: delay)
            lastError = error
            if failedAttempts == 1 {
                logger.warning("redis connect failed", metadata: ["redis_endpoint": "\(configuration.endpointDescription)", "error": "\(error.message)"])
            }
            throw error
        }
    }

    /// Closes the connection on the owning thread when the worker exits.
    func close() {
        connection = nil
    }
}

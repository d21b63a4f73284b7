import CHiredis
import Logging

/// The body of the subscriber's thread: connect, subscribe, read until the
/// connection breaks, back off, repeat. Only that thread touches it.
final class RedisSubscriberLoop {
    private let subscriber: RedisSubscriber
    private let clock = ContinuousClock()
    private var logger: Logger
    private var everSubscribed = false
    private var lostAt: ContinuousClock.Instant?
    private var failedAttempts = 0

    /// Upper bound for any single wait, so a missing wake pipe only delays shutdown.
    private static let maximumWait = Duration.seconds(1)

    init(subscriber: RedisSubscriber) {
        self.subscriber = subscriber
        var logger = subscriber.logger
        logger[metadataKey: "redis_endpoint"] = "\(subscriber.configuration.endpointDescription)"
        self.logger = logger
    }

    func run() {
        while !subscriber.isStopping {
            do {
                try session()
            } catch {
                guard !subscriber.isStopping else { break }
                if lostAt == nil {
                    lostAt = clock.now
                    logger.warning("redis subscriber disconnected", metadata: ["error": "\(error.message)"])
                    subscriber.continuation.yield(.disconnected(error))
                } else {
                    logger.debug("redis subscriber reconnect failed", metadata: ["error": "\(error.message)"])
                }
                let delay = subscriber.backoff.delay(attempt: failedAttempts)
                failedAttempts += 1
                sleep(delay)
            }
        }
        logger.debug("redis subscriber stopped")
    }

    /// One connection's life. Returns only when asked to stop; throws when the
    /// connection fails.
    private func session() throws(RedisError) {
        let connection = try RedisConnection.connect(to: subscriber.configuration)
        if !subscriber.channels.isEmpty {
            try connection.append(Self.bytes(["SUBSCRIBE"] + subscriber.channels))
        }
        if !subscriber.patterns.isEmpty {
            try connection.append(Self.bytes(["PSUBSCRIBE"] + subscriber.patterns))
        }
        try connection.flush()

        var pendingConfirmations = subscriber.channels.count + subscriber.patterns.count
        let confirmDeadline = clock.now.advanced(by: max(subscriber.configuration.commandTimeout, .seconds(1)))
        var lastHeard = clock.now
        var pingSentAt: ContinuousClock.Instant?
        if pendingConfirmations == 0 {
            announce()
        }

        while !subscriber.isStopping {
            let wakeAt: ContinuousClock.Instant
            if pendingConfirmations > 0 {
                wakeAt = confirmDeadline
            } else if let pingSentAt {
                wakeAt = pingSentAt.advanced(by: subscriber.pingInterval)
            } else {
                wakeAt = lastHeard.advanced(by: subscriber.pingInterval)
            }
            let wait = min(max(clock.now.duration(to: wakeAt), .zero), Self.maximumWait)

            switch try connection.readReply(within: wait, wakeDescriptor: subscriber.wake.readDescriptor) {
            case .woken:
                continue
            case .timedOut:
                let now = clock.now
                if pendingConfirmations > 0 {
                    if now >= confirmDeadline {
                        throw RedisError(.connectionLost, "subscription not confirmed within \(max(subscriber.configuration.commandTimeout, .seconds(1)))")
                    }
                } else if let sent = pingSentAt {
                    if now >= sent.advanced(by: subscriber.pingInterval) {
                        throw RedisError(.connectionLost, "no answer to PING within \(subscriber.pingInterval)")
                    }
                } else if now >= lastHeard.advanced(by: subscriber.pingInterval) {
                    try connection.append([Array("PING".utf8)])
                    try connection.flush()
                    pingSentAt = now
                }
            case .reply(let reply):
                lastHeard = clock.now
                pingSentAt = nil
                if try handle(reply) {
                    pendingConfirmations -= 1
                    if pendingConfirmations == 0 {
                        announce()
                    }
                }
            }
        }
    }

    /// Delivers a message; returns true for a subscription confirmation.
    private func handle(_ reply: RedisReply) throws(RedisError) -> Bool {
        switch reply {
        case .array(let parts):
            switch parts.first?.string?.lowercased() {
            case "message" where parts.count == 3:
                if let channel = parts[1].string, let payload = parts[2].bytes {
                    subscriber.continuation.yield(.message(channel: channel, payload: payload))
                }
            case "pmessage" where parts.count == 4:
                if let channel = parts[2].string, let payload = parts[3].bytes {
                    subscriber.continuation.yield(.message(channel: channel, payload: payload))
                }
            case "subscribe", "psubscribe":
                return true
            case "pong":
                break
            default:
                logger.debug("redis subscriber ignored reply", metadata: ["reply": "\(reply)"])
            }
        case .error(let line):
            throw RedisError(.server, line)
        default:
            logger.debug("redis subscriber ignored reply", metadata: ["reply": "\(reply)"])
        }
        return false
    }

    private func announce() {
        failedAttempts = 0
        if !everSubscribed {
            everSubscribed = true
            lostAt = nil
            logger.info("redis subscriber subscribed", metadata: ["channels": "\(subscriber.channels)", "patterns": "\(subscriber.patterns)"])
            subscriber.continuation.yield(.subscribed)
        } else if let lostAt {
            let gap = lostAt.duration(to: clock.now)
            self.lostAt = nil
            logger.info("redis subscriber reconnected", metadata: ["gap": "\(gap)"])
            subscriber.continuation.yield(.reconnected(gap: gap))
        }
    }

    /// Sleeps up to `duration`, waking early when asked to stop.
    private func sleep(_ duration: Duration) {
        let deadline = clock.now.advanced(by: duration)
        while !subscriber.isStopping {
            let remaining = clock.now.duration(to: deadline)
            guard remaining > .zero else { return }
            let slice = min(remaining, Self.maximumWait)
            if sundial_redis_poll_readable(subscriber.wake.readDescriptor, -1, slice.roundedUpMilliseconds) == 1 {
                return
            }
        }
    }

    private static func bytes(_ arguments: [String]) -> [[UInt8]] {
        arguments.map { Array($0.utf8) }
    }
}

import Foundation
import Logging
import Redis
import SchedulerCore
import ServiceLifecycle

/// Writes this replica's status to `sundial:scheduler:{worker_id}` every `interval`, with a
/// TTL of three intervals so a dead replica disappears on its own. Removes the key on
/// graceful shutdown. Redis being down is logged once per outage, never fatal.
public struct HeartbeatService: Service {
    public static func key(workerID: String) -> String { "sundial:scheduler:\(workerID)" }

    let redis: RedisClient
    let status: SchedulerStatus
    let interval: Duration
    let logger: Logger

    let engineStatus: (@Sendable () async -> SchedulerEngineStatus)?

    public init(
        redis: RedisClient, status: SchedulerStatus, interval: Duration, logger: Logger,
        engineStatus: (@Sendable () async -> SchedulerEngineStatus)? = nil
    ) {
        self.redis = redis
        self.status = status
        self.interval = interval
        self.logger = logger
        self.engineStatus = engineStatus
    }

    public func run() async throws {
        let key = Self.key(workerID: status.snapshot().worker_id)
        let ttl = max(3, Int((interval * 3).components.seconds))
        await cancelWhenGracefulShutdown {
            var failing = false
            while !Task.isCancelled {
                do {
                    let engine = await engineStatus?()
                    status.update {
                        $0.last_heartbeat_at = Date()
                        if let engine {
                            $0.schedules_loaded = engine.schedulesLoaded
                            $0.invalid_schedules = engine.invalidSchedules.count
                        }
                    }
                    let json = String(decoding: try JSONEncoder.sundial.encode(status.snapshot()), as: UTF8.self)
                    try await redis.setex(key, seconds: ttl, json)
                    if failing {
                        logger.info("heartbeat restored")
                        failing = false
                    }
                } catch {
                    if !failing {
                        logger.warning("heartbeat failed; retrying", metadata: ["error": "\(error)"])
                        failing = true
                    }
                }
                try? await Task.sleep(for: interval)
            }
        }
        // Runs in a fresh task: this one may be cancelled, and a cancelled task's Redis call is refused.
        let client = redis
        _ = await Task { try? await client.del(key) }.value
    }
}

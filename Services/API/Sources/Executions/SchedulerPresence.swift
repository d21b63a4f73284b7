import Domain
import Foundation
import Redis
import Synchronization

/// Whether any scheduler replica is alive (a heartbeat key exists in Redis), cached for a second
/// so a burst of triggers costs one SCAN.
final class SchedulerPresence: Sendable {
    private let redis: RedisClient
    private let cache = Mutex<(at: ContinuousClock.Instant, alive: Bool)?>(nil)

    init(redis: RedisClient) {
        self.redis = redis
    }

    /// The raw heartbeats (worker id → JSON status).
    func heartbeats() async throws -> [String: String] {
        var result: [String: String] = [:]
        for key in try await redis.scan(match: RedisKeys.schedulerHeartbeatPattern) {
            if let value = try await redis.get(key) {
                result[String(key.dropFirst("sundial:scheduler:".count))] = value
            }
        }
        return result
    }

    /// False when no replica has a heartbeat, or Redis cannot say.
    func anyAlive() async -> Bool {
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0 }), now - cached.at < .seconds(1) { return cached.alive }
        let alive = ((try? await redis.scan(match: RedisKeys.schedulerHeartbeatPattern))?.isEmpty == false)
        cache.withLock { $0 = (now, alive) }
        return alive
    }
}

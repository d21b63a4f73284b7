import Domain
import Foundation
import Redis
import SchedulerCore

/// `sundial:lock:schedule:{id}:{occurrence}` with a random token (`SET NX PX`), released with
/// compare-and-delete. Only an optimisation against replicas racing for one row: the
/// Postgres occurrence key decides.
struct RedisOccurrenceLocker: OccurrenceLocker {
    let lock: RedisLock

    init(redis: RedisClient) {
        lock = RedisLock(client: redis)
    }

    func acquire(scheduleID: String, scheduledFor: Date, ttl: TimeInterval) async throws -> LockHandle? {
        let key = RedisKeys.occurrenceLock(scheduleID: scheduleID) + ":\(Int64(scheduledFor.timeIntervalSince1970))"
        guard let token = try await lock.acquire(key: key, ttl: .milliseconds(Int64(max(1, ttl) * 1000))) else { return nil }
        return LockHandle(key: key, token: token.rawValue)
    }

    func release(_ handle: LockHandle) async throws {
        _ = try await lock.release(key: handle.key, token: RedisLock.Token(rawValue: handle.token))
    }
}

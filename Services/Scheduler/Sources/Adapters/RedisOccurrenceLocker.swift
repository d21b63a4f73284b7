import Domain
import Foundation
import Redis
import SchedulerCore

/// `sundial:lock:schedule:{id}:{occurrence}` with a random token (`SET NX PX`), released with
/// compare-and-delete. Only an optimisation against replicas racing for one row: the
/// Postgres occurrence key decides.
///
/// Acquisitions and releases that arrive together are pipelined on one connection (group
/// commit, as the claims): when thousands of occurrences fall due at once they cost a few
/// round trips instead of one each.
struct RedisOccurrenceLocker: OccurrenceLocker {
    private struct Acquire: Sendable {
        var key: String
        var token: String
        var milliseconds: Int64
    }

    private let acquisitions: GroupCommitQueue<Acquire, Bool>
    private let releases: GroupCommitQueue<LockHandle, Bool>

    init(redis: RedisClient, maxPipeline: Int = 1_000) {
        acquisitions = GroupCommitQueue(maxBatch: maxPipeline, maxWriters: 1) { batch in
            try await Self.pipeline(redis, batch.map { ["SET", $0.key, $0.token, "NX", "PX", String($0.milliseconds)] }) { reply in
                if case .status = reply { return true }
                if case .null = reply { return false }
                throw RedisError(.unexpectedReply, "SET NX answered \(reply)")
            }
        }
        releases = GroupCommitQueue(maxBatch: maxPipeline, maxWriters: 1) { batch in
            try await Self.pipeline(redis, batch.map { ["EVAL", RedisLock.releaseScriptSource, "1", $0.key, $0.token] }) { reply in
                guard let value = reply.integer else { throw RedisError(.unexpectedReply, "lock release answered \(reply)") }
                return value == 1
            }
        }
    }

    func acquire(scheduleID: String, scheduledFor: Date, ttl: TimeInterval) async throws -> LockHandle? {
        let key = RedisKeys.occurrenceLock(scheduleID: scheduleID) + ":\(Int64(scheduledFor.timeIntervalSince1970))"
        let token = RedisLock.Token.random().rawValue
        let taken = try await acquisitions.submit(Acquire(key: key, token: token, milliseconds: Int64(max(1, ttl) * 1000)))
        return taken ? LockHandle(key: key, token: token) : nil
    }

    func release(_ handle: LockHandle) async throws {
        _ = try await releases.submit(handle)
    }

    /// Sends `commands` in one pipeline and maps each reply (error replies throw).
    private static func pipeline<T: Sendable>(
        _ redis: RedisClient, _ commands: [[String]], _ map: @escaping @Sendable (RedisReply) throws -> T
    ) async throws -> [T] {
        try await redis.pipeline(commands.map { $0.map { Array($0.utf8) } }).map { reply in
            if case .error(let message) = reply { throw RedisError(.server, message) }
            return try map(reply)
        }
    }
}

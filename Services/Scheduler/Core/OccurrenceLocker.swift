public import Foundation

/// Proof of holding an occurrence lock.
public struct LockHandle: Sendable, Hashable {
    public var key: String
    /// Unique per acquisition; release compares it before deleting.
    public var token: String

    public init(key: String, token: String) {
        self.key = key
        self.token = token
    }
}

/// Advisory per-occurrence lock (production: Redis `SET NX PX` with a token,
/// compare-and-delete release). It only saves replicas from racing for the
/// same row: the engine's correctness never depends on it, because
/// `OccurrenceStore.claim` is the final authority.
public protocol OccurrenceLocker: Sendable {
    /// The lock, or nil when another worker holds it. Throws when the lock
    /// service is unavailable (the engine then goes straight to the claim).
    func acquire(scheduleID: String, scheduledFor: Date, ttl: TimeInterval) async throws -> LockHandle?
    /// Releases the lock if `handle` still holds it.
    func release(_ handle: LockHandle) async throws
}

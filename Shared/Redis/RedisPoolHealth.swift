import Synchronization

/// When any worker of one client last connected successfully.
final class RedisPoolHealth: Sendable {
    private let lastConnect = Mutex<ContinuousClock.Instant?>(nil)

    func recordConnect(at instant: ContinuousClock.Instant) {
        lastConnect.withLock { $0 = instant }
    }

    func connected(after instant: ContinuousClock.Instant) -> Bool {
        lastConnect.withLock { last in last.map { $0 > instant } ?? false }
    }
}

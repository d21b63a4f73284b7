import Domain
import Logging
import Redis
import Synchronization

/// Publishes committed events on Redis `scheduler:events` in the background, in commit order,
/// pipelined: the writer that committed them does not wait for Redis (a claim returns as soon
/// as its transaction commits), and a burst of events costs one round trip per batch, not one
/// per event. A Redis failure loses nothing: the events are in the `events` table, which
/// listeners replay from.
final class EventPublisher: Sendable {
    private struct State {
        var queue: [EventLog.Pending] = []
        var draining = false
    }

    private let redis: RedisClient
    private let logger: Logger
    private let state = Mutex(State())
    static let maxPipeline = 1_000

    init(redis: RedisClient, logger: Logger) {
        self.redis = redis
        self.logger = logger
    }

    func enqueue(_ events: [EventLog.Pending]) {
        guard !events.isEmpty else { return }
        let start = state.withLock { state -> Bool in
            state.queue += events
            guard !state.draining else { return false }
            state.draining = true
            return true
        }
        if start { Task { await self.drain() } }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { state -> [EventLog.Pending]? in
                guard !state.queue.isEmpty else {
                    state.draining = false
                    return nil
                }
                let count = min(Self.maxPipeline, state.queue.count)
                defer { state.queue.removeFirst(count) }
                return Array(state.queue.prefix(count))
            }
            guard let batch else { return }
            await publish(batch)
        }
    }

    private func publish(_ batch: [EventLog.Pending]) async {
        let channel = Array(SchedulerChannels.events.utf8)
        do {
            _ = try await redis.pipeline(batch.map { [Array("PUBLISH".utf8), channel, Array($0.json.utf8)] })
        } catch {
            logger.warning("events not published (kept in the events table)", metadata: ["count": "\(batch.count)", "error": "\(error)"])
        }
    }
}

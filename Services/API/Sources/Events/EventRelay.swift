import Foundation
import Logging
import Metrics
import Redis
import ServiceLifecycle
import Synchronization

/// The API's event relay: one Redis subscription per process, fanned out in process to this
/// process's WebSocket listeners (`EventHub`).
///
/// **Design: the table is the source, Redis is the doorbell.** Every event a listener receives
/// is read from the durable `events` table; a message on `scheduler:events` only says "there is
/// something new". So a listener gets exactly what the table holds, in id order:
/// - ids are assigned inside the writers' transactions and can commit out of order (scheduler
///   replicas); `EventSequencer` holds later events back while an earlier id is still missing,
///   until it commits or `SUNDIAL_EVENT_GAP_GRACE` passes (then it never will: rolled back);
/// - a message lost while Redis was away loses nothing: after `reconnected(gap:)` the next
///   read picks up everything past the last id read; while Redis is down the relay polls the
///   table (every 200 ms), and with Redis up it still polls every second as a safety net
///   (an event whose PUBLISH failed in the scheduler is relayed within a second);
/// - one Postgres read per wake-up serves every listener of the process, and reads coalesce
///   under load (one read returns everything committed since the last).
public final class EventRelay: Service, Sendable {
    let hub = EventHub()
    let reader: EventLogReader
    let subscriber: RedisSubscriber
    let grace: Duration
    let sendTimeout: Duration
    let logger: Logger

    private let signal = FeedSignal()
    private let redisUp = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private let relayedCounter = Counter(label: "sundial_events_relayed_total")
    private let abandonedCounter = Counter(label: "sundial_events_gap_abandoned_total")

    /// Events read per query; a full page is followed by another read at once.
    static let pageSize = 1000

    init(reader: EventLogReader, redis: RedisConfiguration, grace: Duration, sendTimeout: Duration, logger: Logger) {
        self.reader = reader
        self.grace = grace
        self.sendTimeout = sendTimeout
        self.logger = logger
        self.subscriber = RedisSubscriber(
            configuration: redis, channels: ["scheduler:events"], logger: logger)
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.subscriber.run() }
            group.addTask { await self.followSubscriber() }
            group.addTask { await self.checkStalledListeners() }
            await withGracefulShutdownHandler {
                await self.feed()
            } onGracefulShutdown: {
                self.stop()
            }
            stop()
            hub.stop()
            group.cancelAll()
        }
        logger.info("event relay stopped")
    }

    private func stop() {
        stopping.store(true, ordering: .relaxed)
        subscriber.shutdown()
        signal.signal()
    }

    private var isStopping: Bool { stopping.load(ordering: .relaxed) || Task.isCancelled }

    /// Redis tells when to read; a reconnection reads what was published during the outage.
    private func followSubscriber() async {
        for await event in subscriber.events {
            switch event {
            case .subscribed:
                redisUp.store(true, ordering: .relaxed)
                signal.signal()
            case .message:
                signal.signal()
            case .disconnected(let error):
                redisUp.store(false, ordering: .relaxed)
                logger.warning("event relay lost Redis; polling the events table until it is back", metadata: ["error": "\(error)"])
            case .reconnected(let gap):
                redisUp.store(true, ordering: .relaxed)
                logger.info("event relay resubscribed; reading what was published meanwhile from the events table", metadata: ["gap": "\(gap)"])
                signal.signal()
            }
        }
    }

    private func checkStalledListeners() async {
        while !isStopping {
            try? await Task.sleep(for: .seconds(1))
            hub.closeStalled(limit: sendTimeout)
        }
    }

    /// Reads the table and publishes to the hub until stopped.
    private func feed() async {
        let clock = ContinuousClock()
        var sequencer = EventSequencer<RelayedEvent>(startingAfter: 0, grace: grace)
        var started = false
        var failures = 0
        while !isStopping {
            if started {
                let timeout: Duration = sequencer.hasHoles ? .milliseconds(25) : redisUp.load(ordering: .relaxed) ? .seconds(1) : .milliseconds(200)
                await signal.wait(timeout: timeout)
                if isStopping { break }
            }
            do {
                if !started {
                    let newest = try await reader.newestID()
                    sequencer = EventSequencer(startingAfter: newest, grace: grace)
                    hub.start(at: newest)
                    started = true
                    logger.info("event relay ready", metadata: ["event_id": "\(newest)"])
                }
                try await readAvailable(into: &sequencer, clock: clock)
                failures = 0
            } catch {
                failures += 1
                if failures == 1 || failures % 60 == 0 {
                    logger.warning("event relay cannot read the events table; retrying", metadata: ["error": "\(error)", "failures": "\(failures)"])
                }
                try? await Task.sleep(for: .milliseconds(min(1000, 100 * failures)))
            }
        }
    }

    private func readAvailable(into sequencer: inout EventSequencer<RelayedEvent>, clock: ContinuousClock) async throws {
        var more = true
        while more, !isStopping {
            if let pending = sequencer.pendingRange {
                // Ids that were missing when later ones were read: committed since?
                let late = try await reader.events(after: pending.lowerBound - 1, through: pending.upperBound, limit: pending.count)
                sequencer.ingest(late, now: clock.now)
            }
            let fresh = try await reader.events(after: sequencer.seen, limit: Self.pageSize)
            more = fresh.count == Self.pageSize
            sequencer.ingest(fresh, now: clock.now)
            let abandonedBefore = sequencer.abandoned
            let ready = sequencer.drain(now: clock.now)
            if sequencer.abandoned > abandonedBefore {
                let count = sequencer.abandoned - abandonedBefore
                abandonedCounter.increment(by: count)
                logger.warning(
                    "event ids never committed within the gap grace; relaying past them",
                    metadata: ["count": "\(count)", "watermark": "\(sequencer.watermark)"])
            }
            if !ready.isEmpty || sequencer.watermark != hub.watermark {
                hub.publish(ready, watermark: sequencer.watermark)
                relayedCounter.increment(by: ready.count)
            }
        }
    }
}

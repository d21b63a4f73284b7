import Metrics
import NIOCore
import Synchronization

/// Fan-out of relayed events to this process's listeners, in id order.
///
/// The hub's `watermark` is the newest event id it has settled (delivered or given up). A
/// listener first replays from the table up to the watermark, then goes live with `goLive`,
/// which succeeds only if nothing was published past its replay cursor meanwhile; since
/// publishing and going live take the same lock, every listener sees each id exactly once, in order.
final class EventHub: Sendable {
    private struct Live {
        let listener: EventListener
        /// Ids at or below this were already sent (replayed, or before `since`).
        let floor: Int
    }

    private struct State {
        var watermark: Int?
        var live: [UInt64: Live] = [:]
        /// Every connected listener, live or still replaying (for stall checks and shutdown).
        var connected: [UInt64: EventListener] = [:]
        var stopped = false
    }

    private let state = Mutex(State())
    private let listenersGauge = Gauge(label: "sundial_ws_listeners")
    private let droppedCounter = Counter(label: "sundial_ws_listeners_dropped_total")

    /// nil until the relay has read where the log ends.
    var watermark: Int? { state.withLock { $0.watermark } }

    var connectedCount: Int { state.withLock { $0.connected.count } }

    /// Makes the hub ready at `watermark` (the log's newest id at start-up).
    func start(at watermark: Int) {
        state.withLock { state in
            if state.watermark == nil { state.watermark = watermark }
        }
    }

    /// Waits up to `timeout` for `start`; nil when the relay is still not ready.
    func readyWatermark(timeout: Duration) async -> Int? {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            if let watermark { return watermark }
            guard clock.now < deadline, !Task.isCancelled else { return nil }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Registers a connection (for stall checks and shutdown); false when the hub has stopped.
    func connect(_ listener: EventListener) -> Bool {
        let count: Int? = state.withLock { state in
            guard !state.stopped else { return nil }
            state.connected[listener.id] = listener
            return state.connected.count
        }
        guard let count else { return false }
        listenersGauge.record(count)
        return true
    }

    func disconnect(_ listener: EventListener) {
        let count = state.withLock { state in
            state.connected[listener.id] = nil
            state.live[listener.id] = nil
            return state.connected.count
        }
        listenersGauge.record(count)
    }

    /// Starts live delivery of ids above `cursor` if the hub has published nothing past it;
    /// false means more events were settled meanwhile: replay up to the new watermark first.
    func goLive(_ listener: EventListener, after cursor: Int) -> Bool {
        state.withLock { state in
            guard let watermark = state.watermark, watermark <= cursor else { return false }
            if state.connected[listener.id] != nil { state.live[listener.id] = Live(listener: listener, floor: cursor) }
            return true
        }
    }

    /// Sends `events` (ascending ids) to every live listener that admits them and advances the
    /// watermark to `watermark` (which may pass ids given up as never committed). A listener
    /// whose queue is full is dropped from delivery and asked to close.
    func publish(_ events: [RelayedEvent], watermark: Int) {
        var dropped = 0
        state.withLock { state in
            for event in events {
                state.watermark = event.id
                for (id, entry) in state.live where event.id > entry.floor && entry.listener.audience.admits(event) {
                    if !entry.listener.offer(event.json) {
                        state.live[id] = nil
                        dropped += 1
                    }
                }
            }
            state.watermark = max(state.watermark ?? watermark, watermark)
        }
        if dropped > 0 { droppedCounter.increment(by: dropped) }
    }

    /// Asks listeners whose current write has been blocked longer than `limit` to close.
    func closeStalled(limit: Duration) {
        let now = EventListener.monotonicNanoseconds()
        let stalled = state.withLock { state in
            state.connected.values.filter { $0.blockedFor(now: now) > limit }
        }
        for listener in stalled {
            listener.close(.stalled(seconds: Double(limit.components.seconds)))
        }
        if !stalled.isEmpty { droppedCounter.increment(by: stalled.count) }
    }

    /// Closes every listener and refuses new ones.
    func stop() {
        let all = state.withLock { state in
            state.stopped = true
            state.live = [:]
            return Array(state.connected.values)
        }
        for listener in all { listener.close(.shuttingDown) }
    }
}

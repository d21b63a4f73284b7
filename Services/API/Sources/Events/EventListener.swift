import Foundation
import NIOCore
import Synchronization

/// One WebSocket listener as the relay sees it: what it may receive, its bounded queue of live
/// messages, and how it is to be closed.
final class EventListener: Sendable {
    /// Why the relay ends a connection; the close frame carries `code` and `text`.
    enum CloseReason: Sendable, Equatable {
        /// Its queue overflowed: it reads slower than events arrive.
        case tooSlow(queued: Int)
        /// One write stayed blocked longer than the send timeout (the client stopped reading).
        case stalled(seconds: Double)
        /// The replay could not be read (database unavailable).
        case replayFailed
        /// The relay is not ready (the event log could not be read since start-up).
        case notReady
        /// The server is stopping.
        case shuttingDown
        /// The client went away or the connection failed: nothing left to tell it.
        case connectionEnded

        /// WebSocket close code (RFC 6455 §7.4.1).
        var code: UInt16 {
            switch self {
            case .tooSlow, .stalled: 1008  // policy violation
            case .replayFailed, .notReady: 1011  // unexpected condition; try again
            case .shuttingDown: 1001  // going away
            case .connectionEnded: 1000
            }
        }

        var text: String {
            switch self {
            case .tooSlow(let queued): "slow consumer: more than \(queued) events queued; reconnect with since=<last event_id>"
            case .stalled(let seconds): "stalled: a send was blocked for more than \(Int(seconds.rounded())) s"
            case .replayFailed: "event log unavailable: reconnect with since=<last event_id>"
            case .notReady: "event relay not ready: reconnect shortly"
            case .shuttingDown: "server shutting down"
            case .connectionEnded: "closed"
            }
        }
    }

    let id: UInt64
    let audience: EventAudience
    /// Live messages, oldest first, at most `capacity` waiting.
    let frames: AsyncStream<ByteBuffer>
    let capacity: Int
    /// Delivers the first close reason (later ones are ignored).
    let closeReasons: AsyncStream<CloseReason>

    private let framesContinuation: AsyncStream<ByteBuffer>.Continuation
    private let closeContinuation: AsyncStream<CloseReason>.Continuation
    private let closing = Atomic<Bool>(false)
    /// Monotonic nanoseconds at which the write in progress started; 0 when none is.
    private let writeStartedAt = Atomic<UInt64>(0)

    private static let nextID = Atomic<UInt64>(1)

    init(audience: EventAudience, capacity: Int) {
        self.id = Self.nextID.add(1, ordering: .relaxed).oldValue
        self.audience = audience
        self.capacity = capacity
        (frames, framesContinuation) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingOldest(capacity))
        (closeReasons, closeContinuation) = AsyncStream.makeStream(of: CloseReason.self, bufferingPolicy: .bufferingOldest(1))
    }

    var isClosing: Bool { closing.load(ordering: .relaxed) }

    /// Queues a live message; false when the queue is full (the listener is then closed as too slow).
    func offer(_ json: ByteBuffer) -> Bool {
        switch framesContinuation.yield(json) {
        case .enqueued: return true
        case .dropped:
            close(.tooSlow(queued: capacity))
            return false
        case .terminated: return false
        @unknown default: return false
        }
    }

    /// Asks the connection to close; the first reason wins. Stops live delivery at once.
    func close(_ reason: CloseReason) {
        guard closing.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        closeContinuation.yield(reason)
        closeContinuation.finish()
        framesContinuation.finish()
    }

    // MARK: Stall detection

    func beginWrite() {
        writeStartedAt.store(Self.monotonicNanoseconds(), ordering: .relaxed)
    }

    func endWrite() {
        writeStartedAt.store(0, ordering: .relaxed)
    }

    /// How long the current write has been blocked (zero when none is in progress).
    func blockedFor(now: UInt64 = EventListener.monotonicNanoseconds()) -> Duration {
        let started = writeStartedAt.load(ordering: .relaxed)
        guard started != 0, now > started else { return .zero }
        return .nanoseconds(Int64(now - started))
    }

    static func monotonicNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

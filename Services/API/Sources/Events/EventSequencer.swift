/// Something with an event id (the `events` table's `bigserial`).
public protocol SequencedEvent: Sendable {
    var id: Int { get }
}

/// Turns what the relay reads from the `events` table into a gap-free, strictly increasing
/// stream, even though ids are assigned inside the writers' transactions and so can commit out
/// of order (two scheduler replicas: id 41 may commit after id 42).
///
/// The relay reads rows past `seen`; an id between two read rows that is not there yet is a
/// *hole*. Events after a hole are held back until the hole is filled by a later read (the late
/// transaction committed) or has stayed open for `grace` (its transaction rolled back, or the
/// sequence skipped it, so it never will). `watermark` is the highest id up to which every id is
/// settled (delivered or given up); listeners are served strictly above it.
///
/// Pure value type: the caller passes the current instant, so tests drive time.
public struct EventSequencer<Event: SequencedEvent>: Sendable {
    /// Every id up to here is delivered or given up.
    public private(set) var watermark: Int
    /// The highest id read so far (≥ `watermark`).
    public private(set) var seen: Int
    /// How long a hole is waited for.
    public let grace: Duration
    /// Ids given up so far (never committed within the grace).
    public private(set) var abandoned = 0

    private var held: [Int: Event] = [:]
    private var holes: [Int: ContinuousClock.Instant] = [:]

    /// A hole wider than this (a sequence jump) is not tracked id by id: the ids beyond it are
    /// given up at once. No realistic number of concurrent writers gets near it.
    static var trackedHoleLimit: Int { 10_000 }

    public init(startingAfter watermark: Int, grace: Duration) {
        self.watermark = watermark
        self.seen = watermark
        self.grace = grace
    }

    /// Open holes (ids read past but not committed yet).
    public var hasHoles: Bool { !holes.isEmpty }

    /// The range to re-read while holes are open: `(watermark, seen]`.
    public var pendingRange: ClosedRange<Int>? {
        holes.isEmpty ? nil : (watermark + 1)...seen
    }

    /// Takes rows read from the table (any order, duplicates and already settled ids allowed).
    public mutating func ingest(_ events: [Event], now: ContinuousClock.Instant) {
        for event in events.sorted(by: { $0.id < $1.id }) where event.id > watermark {
            if event.id > seen {
                let gapStart = seen + 1
                if event.id - gapStart > Self.trackedHoleLimit {
                    // Too wide to be transactions in flight: give the far part up at once.
                    let lastTracked = event.id - 1
                    let firstTracked = lastTracked - Self.trackedHoleLimit + 1
                    for id in firstTracked...lastTracked { holes[id] = now }
                    markAbandoned(from: gapStart, through: firstTracked - 1)
                } else {
                    for id in gapStart..<event.id { holes[id] = now }
                }
                seen = event.id
            }
            holes[event.id] = nil
            held[event.id] = event
        }
    }

    /// The events now deliverable, in id order, advancing `watermark`. A hole older than the
    /// grace is given up (counted in `abandoned`) and delivery continues past it.
    public mutating func drain(now: ContinuousClock.Instant) -> [Event] {
        var ready: [Event] = []
        while watermark < seen {
            let next = watermark + 1
            if let event = held.removeValue(forKey: next) {
                ready.append(event)
            } else if let since = holes[next] {
                guard since.duration(to: now) >= grace else { break }
                holes[next] = nil
                abandoned += 1
            } else if abandonedRanges.first?.contains(next) == true {
                watermark = abandonedRanges.removeFirst().upperBound
                continue
            } else {
                // Neither held nor a hole: cannot happen (every id up to `seen` is one of them).
                break
            }
            watermark = next
        }
        return ready
    }

    private var abandonedRanges: [ClosedRange<Int>] = []

    private mutating func markAbandoned(from lower: Int, through upper: Int) {
        guard lower <= upper else { return }
        abandonedRanges.append(lower...upper)
        abandoned += upper - lower + 1
    }
}

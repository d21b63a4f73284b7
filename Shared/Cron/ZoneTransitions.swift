import Foundation
import Synchronization

/// The UTC offsets of one zone over a range of instants, as an immutable
/// table: `offsets[k]` is in effect from `transitions[k - 1]` (inclusive)
/// to `transitions[k]` (exclusive).
struct ZoneTable: Sendable {
    /// Offsets are exact for instants in `lo ..< hi` (`hi == .max`: forever).
    let lo: Int64
    let hi: Int64
    /// Instants (seconds since 1970) at which the offset changes, increasing.
    let transitions: [Int64]
    /// Seconds east of UTC; `transitions.count + 1` entries.
    let offsets: [Int64]
    /// Wall-clock readings (seconds since 1970 in local time) where the
    /// `fold=0` interpretation switches from `offsets[k]` to `offsets[k + 1]`:
    /// `transitions[k] + max(offsets[k], offsets[k + 1])`. A wall time inside a
    /// gap keeps the earlier offset (moves forward by the gap length), and an
    /// ambiguous one resolves to its first occurrence. Non-decreasing.
    let wallBounds: [Int64]

    /// Margin kept between a looked-up wall time and the ends of the table;
    /// larger than any UTC offset difference.
    static let margin: Int64 = 3 * CivilTime.secondsPerDay

    init(lo: Int64, hi: Int64, transitions: [Int64], offsets: [Int64]) {
        self.lo = lo
        self.hi = hi
        self.transitions = transitions
        self.offsets = offsets
        var bounds: [Int64] = []
        bounds.reserveCapacity(transitions.count)
        for k in transitions.indices {
            let bound = transitions[k] + max(offsets[k], offsets[k + 1])
            bounds.append(max(bound, bounds.last ?? .min))
        }
        wallBounds = bounds
    }

    func covers(_ range: ClosedRange<Int64>) -> Bool {
        lo <= range.lowerBound && (hi == .max || range.upperBound < hi)
    }

    /// Whether wall time `wall` can be resolved to an instant with this table.
    @inline(__always)
    func coversWall(_ wall: Int64) -> Bool {
        wall - Self.margin >= lo && (hi == .max || wall + Self.margin < hi)
    }

    /// Index of the offset period containing `instant`: the number of
    /// transitions at or before it.
    @inline(__always)
    func period(ofInstant instant: Int64) -> Int {
        Self.upperBound(transitions, instant)
    }

    /// Index of the `fold=0` period used for wall-clock time `wall`.
    @inline(__always)
    func period(ofWall wall: Int64) -> Int {
        Self.upperBound(wallBounds, wall)
    }

    /// Number of elements `<= value` in the sorted array.
    @inline(__always)
    private static func upperBound(_ array: [Int64], _ value: Int64) -> Int {
        var low = 0
        var high = array.count
        while low < high {
            let mid = (low + high) >> 1
            if array[mid] <= value { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Reads the offset changes of `zone` for instants in `lo ..< hi` from
    /// Foundation. Transitions that leave the offset unchanged are dropped.
    static func build(zone: TimeZone, lo: Int64, hi: Int64) -> ZoneTable {
        var transitions: [Int64] = []
        var offsets: [Int64] = [Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(lo))))]
        var cursor = Date(timeIntervalSince1970: Double(lo))
        var coveredUntil = hi
        while true {
            guard let next = zone.nextDaylightSavingTimeTransition(after: cursor) else {
                coveredUntil = .max  // no transition ever again
                break
            }
            let instant = Int64(next.timeIntervalSince1970.rounded(.down))
            guard next > cursor else {
                cursor = cursor.addingTimeInterval(1)
                continue
            }
            if instant >= hi { break }
            let offset = Int64(zone.secondsFromGMT(for: next))
            if offset != offsets[offsets.count - 1] {
                transitions.append(instant)
                offsets.append(offset)
            }
            cursor = next
        }
        return ZoneTable(lo: lo, hi: coveredUntil, transitions: transitions, offsets: offsets)
    }
}

/// Per-zone cache of UTC-offset transitions, shared by every schedule in the
/// zone and safe to use from any thread. Foundation's `TimeZone` is only
/// consulted when a table has to be built or widened; lookups are a binary
/// search in an immutable snapshot.
final class ZoneTransitions: Sendable {
    let zone: TimeZone
    private let cached: Mutex<ZoneTable?>

    /// Tables are widened in steps of this many seconds (about 4.25 years),
    /// aligned to multiples of it, so neighbouring requests share a table.
    private static let chunk: Int64 = 1 << 27
    /// Requests farther than this from the cached range (about 200 years) get
    /// a one-off table instead of widening the cached one.
    private static let farLimit: Int64 = 200 * 31_556_952

    private static let registry = Mutex<[String: ZoneTransitions]>([:])

    private init(zone: TimeZone) {
        self.zone = zone
        cached = Mutex(nil)
    }

    /// The shared cache for `zone` (keyed by its identifier).
    static func shared(for zone: TimeZone) -> ZoneTransitions {
        registry.withLock { registry in
            if let existing = registry[zone.identifier] { return existing }
            let created = ZoneTransitions(zone: zone)
            registry[zone.identifier] = created
            return created
        }
    }

    /// A table whose exact range includes `range` (instants, seconds since 1970).
    func table(covering range: ClosedRange<Int64>) -> ZoneTable {
        let current = cached.withLock { $0 }
        if let current, current.covers(range) { return current }

        let lo = CivilTime.floorDiv(range.lowerBound, Self.chunk) * Self.chunk
        let hi = CivilTime.floorDiv(range.upperBound, Self.chunk) * Self.chunk + Self.chunk
        guard let current else {
            let table = ZoneTable.build(zone: zone, lo: lo, hi: hi)
            cached.withLock { stored in stored = Self.wider(stored, table) }
            return table
        }
        let currentHi = current.hi == .max ? max(hi, current.lo) : current.hi
        let isNear = lo >= current.lo - Self.farLimit && hi <= currentHi + Self.farLimit
        guard isNear else {
            return ZoneTable.build(zone: zone, lo: lo, hi: hi)
        }
        let table = ZoneTable.build(zone: zone, lo: min(lo, current.lo), hi: max(hi, currentHi))
        cached.withLock { stored in stored = Self.wider(stored, table) }
        return table
    }

    /// Keeps whichever table spans more (another thread may have widened it).
    private static func wider(_ stored: ZoneTable?, _ candidate: ZoneTable) -> ZoneTable {
        guard let stored else { return candidate }
        let storedWider = stored.lo <= candidate.lo && (stored.hi == .max || (candidate.hi != .max && stored.hi >= candidate.hi))
        return storedWider ? stored : candidate
    }
}

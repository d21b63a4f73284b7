import Foundation
import Logging
import NIOCore
import Synchronization
import WSClient

/// One of the benchmark's WebSocket listeners: checks that ids arrive once and in order, and
/// records the latency from each event's PUBLISH (monotonic time kept by the publisher).
final class BenchListener: Sendable {
    struct Tally: Sendable {
        var histogram = LatencyHistogram()
        var received = 0
        var duplicates = 0
        var gaps = 0
        var lastID = 0
        var connected = false
        var connectedEventID = 0
        var ended = false
    }

    let tally = Mutex(Tally())
    let publishTimes: PublishTimes

    init(publishTimes: PublishTimes) { self.publishTimes = publishTimes }

    /// Runs until the task is cancelled or the server closes.
    func run(url: String, logger: Logger) async {
        do {
            try await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: 1 << 20, autoPing: .disabled), logger: logger) { inbound, _, _ in
                for try await frame in inbound {
                    guard frame.opcode == .text else { continue }
                    let now = BenchClock.nanoseconds()
                    guard let id = Self.eventID(in: frame.data) else { continue }
                    self.receive(id: id, at: now)
                }
            }
        } catch {}
        tally.withLock { $0.ended = true }
    }

    private func receive(id: Int, at now: UInt64) {
        let sentAt = publishTimes.time(of: id)
        tally.withLock { tally in
            guard tally.connected else {
                // The first message is `connected`.
                tally.connected = true
                tally.connectedEventID = id
                tally.lastID = id
                return
            }
            if id <= tally.lastID {
                tally.duplicates += 1
                return
            }
            if id > tally.lastID + 1 { tally.gaps += id - tally.lastID - 1 }
            tally.lastID = id
            tally.received += 1
            if let sentAt, now > sentAt { tally.histogram.record(nanoseconds: now - sentAt) }
        }
    }

    /// The number after `"event_id":` (both `connected` and events carry one), without
    /// decoding the whole message.
    static func eventID(in buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { bytes -> Int? in
            let key = Array(#""event_id":"#.utf8)
            guard bytes.count > key.count else { return nil }
            var index = 0
            outer: while index + key.count <= bytes.count {
                for offset in 0..<key.count where bytes[index + offset] != key[offset] {
                    index += 1
                    continue outer
                }
                var cursor = index + key.count
                while cursor < bytes.count, bytes[cursor] == UInt8(ascii: " ") { cursor += 1 }
                var value = 0
                var digits = 0
                while cursor < bytes.count, bytes[cursor] >= UInt8(ascii: "0"), bytes[cursor] <= UInt8(ascii: "9") {
                    value = value * 10 + Int(bytes[cursor] - UInt8(ascii: "0"))
                    cursor += 1
                    digits += 1
                }
                return digits > 0 ? value : nil
            }
            return nil
        }
    }
}

/// Monotonic PUBLISH instants by event id, written by the publisher, read by the listeners.
final class PublishTimes: Sendable {
    private let times = Mutex<[Int: UInt64]>([:])

    func record(id: Int, at nanoseconds: UInt64) { times.withLock { $0[id] = nanoseconds } }
    func time(of id: Int) -> UInt64? { times.withLock { $0[id] } }
}

enum BenchClock {
    static func nanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

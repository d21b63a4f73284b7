/// Latencies in log-linear buckets: 10 µs up to 10 ms, 1 ms up to 1 s, 100 ms up to 100 s.
struct LatencyHistogram: Sendable {
    private(set) var counts = [Int32](repeating: 0, count: 3000)
    private(set) var total = 0
    private(set) var maximumNanoseconds: UInt64 = 0

    mutating func record(nanoseconds: UInt64) {
        counts[Self.bucket(nanoseconds)] += 1
        total += 1
        maximumNanoseconds = max(maximumNanoseconds, nanoseconds)
    }

    mutating func merge(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] += other.counts[index] }
        total += other.total
        maximumNanoseconds = max(maximumNanoseconds, other.maximumNanoseconds)
    }

    /// Upper bound of the bucket holding the `fraction` quantile, in milliseconds.
    func quantileMilliseconds(_ fraction: Double) -> Double {
        guard total > 0 else { return 0 }
        let rank = Int((Double(total) * fraction).rounded(.up))
        var seen = 0
        for (index, count) in counts.enumerated() {
            seen += Int(count)
            if seen >= rank { return Self.upperBoundMilliseconds(index) }
        }
        return Double(maximumNanoseconds) / 1e6
    }

    static func bucket(_ nanoseconds: UInt64) -> Int {
        let micros = nanoseconds / 1000
        if micros < 10_000 { return Int(micros / 10) }
        if micros < 1_000_000 { return 1000 + Int(micros / 1000) }
        return min(2999, 2000 + Int(micros / 100_000))
    }

    static func upperBoundMilliseconds(_ index: Int) -> Double {
        if index < 1000 { return Double(index + 1) * 0.01 }
        if index < 2000 { return Double(index - 1000 + 1) }
        return Double(index - 2000 + 1) * 100
    }
}

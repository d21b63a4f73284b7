import Cron
import Foundation

/// An instant from an RFC 3339 literal written in a test.
func instant(_ text: String) -> Date {
    guard let date = InstantFormat.parse(text) else { preconditionFailure("bad instant literal \(text)") }
    return date
}

/// The next `count` fire times as `2024-03-10T07:30:00Z` strings.
func fireTimes(_ expression: String, _ zone: String, after: String, count: Int) throws -> [String] {
    let schedule = try CronSchedule(expression: expression, timeZoneIdentifier: zone)
    return schedule.next(after: instant(after), count: count).map(InstantFormat.string)
}

/// SplitMix64: a tiny deterministic generator, so property tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

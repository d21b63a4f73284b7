@testable import Cron
import Foundation
import Testing

@Suite("Cached zone offset tables")
struct ZoneTransitionsTests {
    @Test("table offsets equal Foundation's at every sampled instant", arguments: [
        "America/New_York", "Europe/London", "Australia/Lord_Howe", "Pacific/Chatham", "Antarctica/Troll",
        "Pacific/Apia", "America/Havana", "Asia/Beirut", "America/Santiago", "Europe/Moscow", "Asia/Pyongyang",
        "America/Caracas", "Africa/Casablanca", "Pacific/Kwajalein", "Asia/Kolkata", "UTC",
    ])
    func matchesFoundation(zoneName: String) throws {
        let zone = try CronTimeZone.resolve(zoneName)
        let lo: Int64 = 631_152_000  // 1990
        let hi: Int64 = 2_082_758_400  // 2036
        let table = ZoneTransitions.shared(for: zone).table(covering: lo...hi)
        #expect(table.covers(lo...hi))
        var mismatches = 0
        var t = lo
        while t < hi {
            let expected = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t))))
            if table.offsets[table.period(ofInstant: t)] != expected { mismatches += 1 }
            t += 3 * 3_600 + 17 * 60  // odd stride, so samples drift through every time of day
        }
        for (index, transition) in table.transitions.enumerated() where transition > lo && transition < hi {
            let before = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(transition - 1))))
            let after = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(transition))))
            if table.offsets[index] != before || table.offsets[index + 1] != after { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test("tables widen on demand and stay cached per zone")
    func widening() throws {
        let zone = try CronTimeZone.resolve("Europe/Berlin")
        let cache = ZoneTransitions.shared(for: zone)
        #expect(cache === ZoneTransitions.shared(for: zone))
        let near = cache.table(covering: 1_700_000_000...1_700_100_000)
        #expect(!near.transitions.isEmpty)
        let wide = cache.table(covering: 1_000_000_000...2_000_000_000)
        #expect(wide.covers(1_000_000_000...2_000_000_000))
        #expect(wide.transitions.count > 50)
        // Far away: served, but not by widening the cached table across centuries.
        let far = cache.table(covering: 200_000_000_000...200_000_100_000)
        #expect(far.covers(200_000_000_000...200_000_100_000))
        let cached = cache.table(covering: 1_700_000_000...1_700_100_000)
        #expect(cached.hi < 100_000_000_000)
    }

    @Test("a zone with no transitions ever is covered forever")
    func fixedZone() throws {
        let table = ZoneTransitions.shared(for: try CronTimeZone.resolve("Etc/GMT+5")).table(covering: 0...1_000)
        #expect(table.hi == .max)
        #expect(table.offsets.last == -18_000)
    }
}

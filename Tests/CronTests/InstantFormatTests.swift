import Cron
import Foundation
import Testing

@Suite("RFC 3339 instants")
struct InstantFormatTests {
    @Test("formats as UTC with whole seconds and Z", arguments: [
        (0.0, "1970-01-01T00:00:00Z"),
        (1_710_055_800, "2024-03-10T07:30:00Z"),
        (1_710_055_800.999, "2024-03-10T07:30:00Z"),
        (-1, "1969-12-31T23:59:59Z"),
        (951_782_400, "2000-02-29T00:00:00Z"),
        (253_402_300_799, "9999-12-31T23:59:59Z"),
        (-62_135_596_800, "0001-01-01T00:00:00Z"),
    ])
    func formats(seconds: Double, expected: String) {
        #expect(InstantFormat.string(Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test("parses RFC 3339 with Z, offsets and fractions", arguments: [
        ("2024-03-10T07:30:00Z", 1_710_055_800.0),
        ("2024-03-10t07:30:00z", 1_710_055_800.0),
        ("2024-03-10 07:30:00Z", 1_710_055_800.0),
        ("2024-03-10T02:30:00-05:00", 1_710_055_800.0),
        ("2024-03-10T13:00:00+05:30", 1_710_055_800.0),
        ("2024-03-10T07:30:00.250Z", 1_710_055_800.25),
        ("2024-03-10T07:30:00.5+00:00", 1_710_055_800.5),
        ("1969-12-31T23:59:59Z", -1.0),
    ])
    func parses(text: String, seconds: Double) {
        #expect(InstantFormat.parse(text)?.timeIntervalSince1970 == seconds)
    }

    @Test("rejects malformed text", arguments: [
        "", "2024-03-10", "2024-03-10T07:30Z", "2024-03-10T07:30:00", "2024-03-10T07:30:00+0500",
        "2024-13-10T07:30:00Z", "2023-02-29T00:00:00Z", "2024-03-10T24:00:00Z", "2024-03-10T07:60:00Z",
        "2024-03-10T07:30:00.Z", "2024-03-10T07:30:00Zjunk", "2024-03-10T07:30:00+24:00", "２０２４-03-10T07:30:00Z",
        "2024/03/10T07:30:00Z",
    ])
    func rejects(text: String) {
        #expect(InstantFormat.parse(text) == nil)
    }

    @Test("round-trips random instants")
    func roundTrip() {
        var random = SplitMix64(seed: 42)
        for _ in 0..<2_000 {
            let seconds = Double(Int64.random(in: -62_135_596_800...253_402_300_799, using: &random))
            let date = Date(timeIntervalSince1970: seconds)
            #expect(InstantFormat.parse(InstantFormat.string(date)) == date)
        }
    }
}

import Cron
import Foundation
import SundialClient
import Testing

@Suite("WallClockTime: ISO instants and local date-times in a time zone")
struct WallClockTimeTests {
    @Test("instants with Z or an offset are taken as they are, whatever the zone")
    func instantsPassThrough() throws {
        #expect(InstantFormat.string(try WallClockTime.instant("2030-05-14T14:00:00+02:00", timezone: "America/New_York")) == "2030-05-14T12:00:00Z")
        #expect(InstantFormat.string(try WallClockTime.instant("2030-05-14T14:00:00Z", timezone: "Europe/Berlin")) == "2030-05-14T14:00:00Z")
    }

    @Test(
        "local times resolve like the cron engine: gap moves forward, fall-back means the first occurrence",
        arguments: [
            ("2030-05-14T14:00", "Europe/Berlin", "2030-05-14T12:00:00Z"),
            ("2030-05-14 14:00:30", "Europe/Berlin", "2030-05-14T12:00:30Z"),
            ("2030-01-14T14:00", "Europe/Berlin", "2030-01-14T13:00:00Z"),
            ("2024-03-10T02:30", "America/New_York", "2024-03-10T07:30:00Z"),  // inside the spring-forward gap
            ("2024-11-03T01:30", "America/New_York", "2024-11-03T05:30:00Z"),  // ambiguous: first (EDT)
            ("2024-02-29T00:00", "UTC", "2024-02-29T00:00:00Z"),
            ("2024-12-31T23:59", "Pacific/Kiritimati", "2024-12-31T09:59:00Z"),
        ])
    func localTimes(text: String, zone: String, expected: String) throws {
        #expect(InstantFormat.string(try WallClockTime.instant(text, timezone: zone)) == expected)
    }

    @Test("impossible dates, malformed text and unknown zones are refused with a reason", arguments: [
        ("2023-02-29T10:00", "UTC", "not a date-time that exists"),
        ("2030-13-01T10:00", "UTC", "expected an ISO date-time"),
        ("tomorrow at 9", "UTC", "expected an ISO date-time"),
        ("2030-05-14T25:00", "UTC", "expected an ISO date-time"),
        ("2030-05-14T10:00", "Mars/Olympus", "timezone:"),
    ])
    func refused(text: String, zone: String, fragment: String) {
        #expect {
            _ = try WallClockTime.instant(text, timezone: zone)
        } throws: { error in
            guard let error = error as? SundialClientError else { return false }
            return error.kind == .invalidInput && error.detail.contains(fragment)
        }
    }
}

import Cron
import Foundation
import Testing

@Suite("Time zone names")
struct CronTimeZoneTests {
    @Test("IANA names are accepted", arguments: [
        "UTC", "Etc/UTC", "GMT", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Asia/Calcutta", "Europe/Kyiv",
        "America/Argentina/Buenos_Aires", "Antarctica/Troll", "Pacific/Chatham", "Etc/GMT+5", "America/Port-au-Prince",
    ])
    func accepts(_ name: String) throws {
        let zone = try CronTimeZone.resolve(name)
        #expect(zone.secondsFromGMT(for: Date(timeIntervalSince1970: 1_700_000_000)) == TimeZone(identifier: name)?.secondsFromGMT(for: Date(timeIntervalSince1970: 1_700_000_000)))
    }

    @Test("abbreviations, offsets, legacy names and junk are rejected", arguments: [
        "Mars/Base", "", "EST", "PST", "CET", "GMT+5", "UTC+1", "Japan", "US/Eastern", "america/new_york",
        "America/New_York ", "Europe/", "/UTC", "Europe/../Berlin", "Z",
    ])
    func rejects(_ name: String) {
        #expect(throws: CronError(
            field: "timezone", token: name, message: "timezone: unknown time zone \"\(name)\"", kind: .invalidTimeZone
        )) {
            try CronTimeZone.resolve(name)
        }
    }

    @Test("bad zone in a schedule is invalid_timezone; bad expression wins over it")
    func scheduleErrors() {
        #expect {
            try CronSchedule(expression: "0 9 * * *", timeZoneIdentifier: "Mars/Base")
        } throws: { error in
            (error as? CronError)?.code == "invalid_timezone"
        }
        #expect {
            try CronSchedule(expression: "0 9 * *", timeZoneIdentifier: "Mars/Base")
        } throws: { error in
            (error as? CronError)?.code == "invalid_cron"
        }
    }
}

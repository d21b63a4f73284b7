import Cron
import Domain
import Foundation
import Testing

@Suite("Schedule presets and local date-times")
struct SchedulePresetTests {
    @Test("each preset kind becomes the cron expression it stands for", arguments: [
        (SchedulePreset.Kind.daily, "09:00", nil, nil, "0 9 * * *", "At 09:00"),
        (.weekdays, "9:30", nil, nil, "30 9 * * 1-5", "At 09:30, Monday through Friday"),
        (.weekly, "18:05", nil, JSONValue.string("Friday"), "5 18 * * 5", "At 18:05, only on Friday"),
        (.weekly, "00:00", nil, .string("sunday"), "0 0 * * 0", "At 00:00, only on Sunday"),
        (.monthly, "23:59", nil, .int(15), "59 23 15 * *", "At 23:59, on day 15 of the month"),
        (.hourly, nil, 45, nil, "45 * * * *", "At 45 minutes past the hour"),
        (.hourly, nil, nil, nil, "0 * * * *", "Every hour"),
    ] as [(SchedulePreset.Kind, String?, Int?, JSONValue?, String, String)])
    func presets(kind: SchedulePreset.Kind, time: String?, minute: Int?, day: JSONValue?, cron: String, description: String) throws {
        let preset = try SchedulePreset.make(kind: kind, time: time, minute: minute, day: day)
        #expect(preset.cronExpression == cron)
        #expect(try CronExpression(parsing: preset.cronExpression).humanDescription == description)
    }

    @Test("invalid presets name the field", arguments: [
        (SchedulePreset.Kind.daily, nil, nil, nil, "preset.time"),
        (.daily, "25:00", nil, nil, "preset.time"),
        (.daily, "9", nil, nil, "preset.time"),
        (.daily, "09:00", nil, JSONValue.int(3), "preset.day"),
        (.weekly, "09:00", nil, nil, "preset.day"),
        (.weekly, "09:00", nil, .string("funday"), "preset.day"),
        (.monthly, "09:00", nil, .int(32), "preset.day"),
        (.monthly, "09:00", nil, .string("1"), "preset.day"),
        (.hourly, nil, 60, nil, "preset.minute"),
        (.hourly, "09:00", nil, nil, "preset.time"),
        (.weekdays, "09:00", 5, nil, "preset.minute"),
    ] as [(SchedulePreset.Kind, String?, Int?, JSONValue?, String)])
    func invalid(kind: SchedulePreset.Kind, time: String?, minute: Int?, day: JSONValue?, field: String) {
        #expect(throws: ValidationError.self) { try SchedulePreset.make(kind: kind, time: time, minute: minute, day: day) }
        do {
            _ = try SchedulePreset.make(kind: kind, time: time, minute: minute, day: day)
        } catch {
            #expect(error.field == field, "\(error)")
        }
    }

    @Test("local date-times become instants in the zone, with CRON.md's DST rules", arguments: [
        ("2026-12-01T14:00", "Europe/Berlin", "2026-12-01T13:00:00Z"),
        ("2026-07-01T14:00:00", "Europe/Berlin", "2026-07-01T12:00:00Z"),
        ("2026-07-01 09:30", "America/New_York", "2026-07-01T13:30:00Z"),
        ("2026-01-01T00:00", "Pacific/Auckland", "2025-12-31T11:00:00Z"),
        // Spring forward in New York (02:00 → 03:00): 02:30 fires shifted by the gap.
        ("2024-03-10T02:30", "America/New_York", "2024-03-10T07:30:00Z"),
        // Fall back (02:00 → 01:00): 01:30 happens twice; the first one counts.
        ("2024-11-03T01:30", "America/New_York", "2024-11-03T05:30:00Z"),
        ("2028-02-29T12:00", "UTC", "2028-02-29T12:00:00Z"),
    ])
    func localTimes(local: String, zone: String, expected: String) throws {
        let parsed = try LocalDateTime.parse(local)
        let instant = try #require(parsed.instant(in: try CronTimeZone.resolve(zone)))
        #expect(InstantFormat.string(instant) == expected)
    }

    @Test("malformed local date-times are refused", arguments: [
        "2026-12-01", "2026-12-01T14:00Z", "2026-12-01T14:00+01:00", "2026-13-01T14:00", "2026-02-30T10:00",
        "2027-02-29T10:00", "2026-12-01T24:00", "2026-12-01T14:00:30", "26-12-01T14:00", "2026-12-01T1400",
    ])
    func malformed(text: String) {
        #expect(throws: ValidationError.self) { try LocalDateTime.parse(text) }
    }

    @Test("an instant shown as wall-clock time round-trips")
    func roundTrip() throws {
        let zone = try CronTimeZone.resolve("Asia/Kolkata")
        let local = try LocalDateTime.parse("2030-05-14T14:15")
        let instant = try #require(local.instant(in: zone))
        #expect(LocalDateTime(instant, in: zone) == local)
        #expect(LocalDateTime(instant, in: zone).description == "2030-05-14T14:15")
    }
}

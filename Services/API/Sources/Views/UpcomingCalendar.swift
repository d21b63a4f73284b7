import APISupport
import Cron
import Domain
import Foundation

/// `GET /api/schedules/upcoming?group=day&tz=Europe/Berlin[&days=7]`: the same occurrences as
/// the flat list, grouped by local calendar day in `tz` for calendar views, each with its
/// local time. `days=N` sets the window to N local days starting with the day of `from`
/// (DST-aware: a day is 23 or 25 hours when the clocks change).
struct UpcomingCalendar: Encodable {
    struct Occurrence: Encodable {
        var schedule_id: String
        var agent_name: String
        var name: String
        var at: String
        /// Wall-clock time in the calendar's zone, `2026-03-29T09:00`.
        var local: String
        var local_time: String
        var timezone: String
        var trigger: TriggerKind
    }

    struct Day: Encodable {
        var date: String
        var weekday: String
        var count: Int
        var occurrences: [Occurrence]
    }

    var timezone: String
    var from: String
    var to: String
    var count: Int
    var days: [Day]

    static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    init(_ items: [Occurrences.Item], zone: TimeZone, zoneName: String, from: Date, to: Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var days: [Day] = []
        for item in items {
            let local = LocalDateTime(item.at, in: zone)
            let occurrence = Occurrence(
                schedule_id: item.schedule.id, agent_name: item.schedule.agentName, name: item.schedule.name, at: InstantFormat.string(item.at),
                local: local.description, local_time: String(local.description.suffix(5)), timezone: item.schedule.timezone,
                trigger: item.schedule.trigger)
            if days.last?.date == local.dateString {
                days[days.count - 1].occurrences.append(occurrence)
                days[days.count - 1].count += 1
            } else {
                let weekday = calendar.component(.weekday, from: item.at)
                days.append(Day(date: local.dateString, weekday: Self.weekdays[(weekday - 1 + 7) % 7], count: 1, occurrences: [occurrence]))
            }
        }
        timezone = zoneName
        self.from = InstantFormat.string(from)
        self.to = InstantFormat.string(to)
        count = items.count
        self.days = days
    }

    /// The end of a window of `days` local calendar days that starts on the local day of `from`.
    static func windowEnd(from: Date, days: Int, zone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let start = calendar.startOfDay(for: from)
        return calendar.date(byAdding: .day, value: days, to: start) ?? from.addingTimeInterval(Double(days) * 86_400)
    }
}

extension ListQuery {
    /// `tz=` (default UTC): a time zone name (400 when unknown).
    func timeZone() throws -> (name: String, zone: TimeZone) {
        let name = string("tz") ?? "UTC"
        do {
            return (name, try CronTimeZone.resolve(name))
        } catch {
            throw APIError.badRequest("tz: unknown time zone \(JSONText.quote(name))", code: "invalid_timezone")
        }
    }

    /// `days=N` (1-366), or nil.
    func days() throws -> Int? {
        guard let text = string("days") else { return nil }
        guard let value = Int(text), (1...366).contains(value) else {
            throw APIError.badRequest("days: expected an integer from 1 to 366, got \(JSONText.quote(text))")
        }
        return value
    }
}

import Cron
import Domain
import Foundation
import Testing

@Suite("Message templates")
struct MessageTemplateTests {
    static func values(_ zone: String, lastRunAt: Date? = nil) throws -> MessageTemplate.Values {
        MessageTemplate.Values(
            firedAt: try #require(InstantFormat.parse("2024-03-10T23:30:00Z")), timeZone: try CronTimeZone.resolve(zone),
            scheduleName: "market summary", agentName: "research", lastRunAt: lastRunAt)
    }

    @Test("placeholders are expanded in the schedule's time zone")
    func zone() throws {
        let message = "{{weekday}} {{date}} {{time}} / {{datetime}} for {{schedule_name}} by {{agent_name}}"
        #expect(MessageTemplate.expand(message, try Self.values("UTC")) == "Sunday 2024-03-10 23:30 / 2024-03-10 23:30 for market summary by research")
        // Berlin is an hour ahead: already Monday.
        #expect(MessageTemplate.expand(message, try Self.values("Europe/Berlin")) == "Monday 2024-03-11 00:30 / 2024-03-11 00:30 for market summary by research")
    }

    @Test("last_run_at is the previous run's instant, or \"never\"; unknown placeholders stay")
    func lastRunAndUnknown() throws {
        #expect(MessageTemplate.expand("since {{last_run_at}}", try Self.values("UTC")) == "since never")
        let last = try #require(InstantFormat.parse("2024-03-09T23:30:00Z"))
        #expect(MessageTemplate.expand("since {{ last_run_at }}", try Self.values("UTC", lastRunAt: last)) == "since 2024-03-09T23:30:00Z")
        #expect(MessageTemplate.expand("{{nope}} and {{date", try Self.values("UTC")) == "{{nope}} and {{date")
        #expect(MessageTemplate.expand("no placeholders", try Self.values("UTC")) == "no placeholders")
    }
}

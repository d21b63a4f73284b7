import ArgumentParser
import Cron
import Domain
import Foundation
import SundialClient

/// The schedule fields `schedules add` and `schedules edit` set, mapped to the API's field
/// names. Values are checked by the API (its messages are shown as they come); only what the
/// API cannot see is checked here (a local `--at`, a duration, JSON syntax).
struct ScheduleFieldOptions: ParsableArguments {
    @Option(name: .long, help: "Name (1-200 characters).") var name: String?
    @Option(name: [.short, .long], help: "What the agent is asked ({{date}}, {{time}}, … are expanded when it runs).") var message: String?
    @Option(name: .long, help: ArgumentHelp("Recurring: a 5-field cron expression, e.g. \"0 9 * * 1-5\".", valueName: "expr")) var cron: String?
    @Option(name: .long, help: ArgumentHelp("Once: an ISO date-time (…Z, +02:00, or local 2030-05-14T14:00 read in --tz).", valueName: "when")) var at: String?
    @Option(name: .long, help: ArgumentHelp("Every interval: 900, 90s, 15m, 2h, 1d (at least 60 s).", valueName: "duration")) var every: String?
    @Option(name: .long, help: ArgumentHelp("IANA time zone of --cron and of a local --at (API default UTC).", valueName: "zone")) var tz: String?
    @Option(name: .long, help: "Description.") var description: String?
    @Option(name: .long, help: ArgumentHelp("JSON object passed to the agent.", valueName: "json")) var context: String?
    @Option(name: .long, help: ArgumentHelp("Seconds an agent may take (60-7200).", valueName: "seconds")) var timeout: Int?
    @Option(name: .long, help: "Model to ask the agent to use.") var model: String?
    @Option(name: .long, help: "Runs with the same session key continue one conversation.") var sessionKey: String?
    @Option(name: .long, help: ArgumentHelp("Deliver the answer to this webhook URL (destination kind webhook).", valueName: "url")) var webhook: String?
    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp("Any other field as name=value (value is JSON, or else text), e.g. max_retries=2, overlap=queue.", valueName: "field=value"))
    var set: [String] = []

    /// The fields given, as the API names them.
    func fields(defaultTimezone: String? = nil) throws -> [String: JSONValue] {
        var fields: [String: JSONValue] = [:]
        let triggers = [cron != nil, at != nil, every != nil].filter { $0 }.count
        guard triggers <= 1 else { throw CLIFailure.rejected("give one of --cron, --at or --every, not several") }
        if let name { fields["name"] = .string(name) }
        if let message { fields["message"] = .string(message) }
        if let tz { fields["timezone"] = .string(tz) }
        if let cron { fields["cron_expression"] = .string(cron) }
        if let at {
            do {
                fields["run_at"] = .string(InstantFormat.string(try WallClockTime.instant(at, timezone: tz ?? defaultTimezone ?? "UTC")))
            } catch {
                throw CLIFailure.rejected("--at: \(error.detail)")
            }
        }
        if let every {
            guard let seconds = InstantText.seconds(every) else { throw CLIFailure.rejected("--every: expected a duration such as 900, 90s, 15m, 2h, got \"\(every)\"") }
            fields["interval_seconds"] = .int(seconds)
        }
        if let description { fields["description"] = .string(description) }
        if let context {
            guard let value = JSONText.parse(context), case .object = value else {
                throw CLIFailure.rejected("--context: expected a JSON object such as '{\"tickers\":[\"AAPL\"]}', got \(context)")
            }
            fields["context"] = value
        }
        if let timeout { fields["timeout_seconds"] = .int(timeout) }
        if let model { fields["model"] = .string(model) }
        if let sessionKey { fields["session_key"] = .string(sessionKey) }
        if let webhook { fields["destination"] = ["kind": "webhook", "url": .string(webhook)] }
        for assignment in set {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw CLIFailure.rejected("--set: expected field=value, got \"\(assignment)\"")
            }
            let key = String(assignment[..<equals])
            let text = String(assignment[assignment.index(after: equals)...])
            fields[key] = JSONText.parse(text) ?? .string(text)
        }
        return fields
    }
}

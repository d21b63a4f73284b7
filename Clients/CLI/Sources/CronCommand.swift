import ArgumentParser
import Cron
import Domain
import Foundation
import SundialClient

struct CronCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cron", abstract: "Cron expressions, offline.", subcommands: [Preview.self], defaultSubcommand: Preview.self)

    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "preview", abstract: "The next fire times of an expression (same engine as the scheduler; no server needed).",
            discussion: "Example: sundial cron preview \"30 2 * * *\" --tz America/New_York --count 3")
        @Argument(help: "A 5-field cron expression (quote it) or @daily, @hourly, …") var expression: String
        @Option(name: .long, help: "IANA time zone (default UTC).") var tz: String = "UTC"
        @Option(name: [.short, .long], help: "How many (1-100, default 5).") var count: Int = 5
        @Option(name: .long, help: "Start after this ISO instant (default now).") var after: String?
        @Flag(name: .long, help: "Print JSON (the shape of GET /api/cron/preview).") var json = false

        func run() async throws {
            try await CLIRunner.run {
                guard (1...CronPreview.maxCount).contains(count) else { throw CLIFailure.rejected("--count: expected 1 to \(CronPreview.maxCount), got \(count)") }
                var start = Date()
                if let after {
                    guard let parsed = InstantFormat.parse(after) else { throw CLIFailure.rejected("--after: expected an ISO instant such as 2024-03-10T07:30:00Z, got \"\(after)\"") }
                    start = parsed
                }
                let preview: (runs: [Date], description: String)
                do {
                    preview = try CronPreview.preview(expression: expression, timezone: tz, after: start, count: count)
                } catch let error as CronError {
                    throw CLIFailure.rejected(error.message)
                }
                if json {
                    return Terminal.out(JSONText.pretty([
                        "expression": .string(expression), "timezone": .string(tz), "description": .string(preview.description),
                        "runs": .array(preview.runs.map { .string(InstantFormat.string($0)) }),
                    ]))
                }
                Terminal.out("\(preview.description) (\(tz))")
                let zone = (try? CronTimeZone.resolve(tz)) ?? TimeZone(identifier: "UTC")!
                for run in preview.runs {
                    Terminal.out("  \(InstantFormat.string(run))   \(Self.local(run, zone)) \(tz)")
                }
                if preview.runs.count < count { Terminal.out("  (no more runs within 30 years)") }
            }
        }

        static func local(_ date: Date, _ zone: TimeZone) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = zone
            formatter.dateFormat = "EEE yyyy-MM-dd HH:mm xxx"
            return formatter.string(from: date)
        }
    }
}

import ArgumentParser
import Domain
import Foundation
import SundialClient

struct SchedulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedules", abstract: "List, create, change, delete, enable, disable and run schedules.",
        discussion: "A schedule is named by its id or a unique prefix of it (tables show 8 characters); --agent narrows the search.",
        subcommands: [List.self, Show.self, Add.self, Edit.self, Remove.self, Enable.self, Disable.self, RunNow.self],
        defaultSubcommand: List.self)

    /// Where a command finds its schedule.
    struct Target: ParsableArguments {
        @Argument(help: "Schedule id (or a unique prefix).") var id: String
        @Option(name: [.short, .long], help: "The schedule's agent (faster, and narrows a prefix).") var agent: String?
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List schedules (all you may see, or one agent's).", aliases: ["ls"])
        @OptionGroup var global: GlobalOptions
        @Option(name: [.short, .long], help: "Only these agents (comma-separated).") var agent: String?
        @Flag(name: .long, help: "Only enabled schedules.") var enabled = false
        @Flag(name: .long, help: "Only disabled schedules.") var disabled = false

        func validate() throws {
            if enabled, disabled { throw ValidationError("--enabled and --disabled exclude each other") }
        }

        func run() async throws {
            try await CLIRunner.run {
                let filter: Bool? = enabled ? true : (disabled ? false : nil)
                let schedules = try await Session.open(global).client.allSchedules(agents: agent, enabled: filter)
                if global.json { return Terminal.out(JSONText.pretty(.array(schedules.map(\.json)))) }
                guard !schedules.isEmpty else { return Terminal.out("No schedules. Create one with `sundial schedules add AGENT --cron … --message …`.") }
                var table = Table([.init("id"), .init("agent"), .init("name", limit: 32), .init("when", limit: 40), .init("status"), .init("next run")])
                for schedule in schedules {
                    table.add([String(schedule.id.prefix(8)), schedule.agentName, schedule.name, schedule.when, schedule.status, InstantText.short(schedule.nextRunAt)])
                }
                Terminal.out(table.render())
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one schedule in full.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: Target

        func run() async throws {
            try await CLIRunner.run {
                let schedule = try await ScheduleLookup(client: try Session.open(global).client).find(target.id, agent: target.agent)
                if global.json { return Terminal.out(JSONText.pretty(schedule.json)) }
                Terminal.out(SchedulesCommand.details(schedule))
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Create a schedule for an agent.",
            discussion: """
                Examples:
                  sundial schedules add research --name "market summary" --cron "0 9 * * 1-5" --tz Europe/Berlin --message "Summarise the markets"
                  sundial schedules add research --at 2030-05-14T14:00 --tz Europe/Berlin --message "remind me"
                  sundial schedules add research --every 15m --message "check the inbox" --set overlap=queue
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The agent.") var agentName: String
        @OptionGroup var fields: ScheduleFieldOptions
        @Flag(name: .long, help: "Create it disabled.") var disabled = false

        func run() async throws {
            try await CLIRunner.run {
                var body = try fields.fields()
                guard body["message"] != nil else { throw ValidationError("--message is required") }
                guard body["cron_expression"] != nil || body["run_at"] != nil || body["interval_seconds"] != nil else {
                    throw ValidationError("give when it runs: --cron EXPR, --at WHEN or --every DURATION")
                }
                if body["name"] == nil, case .string(let message)? = body["message"] {
                    body["name"] = .string(SchedulesCommand.defaultName(message))
                }
                if disabled { body["enabled"] = false }
                let schedule = try await Session.open(global).client.createSchedule(agent: agentName, fields: body)
                if global.json { return Terminal.out(JSONText.pretty(schedule.json)) }
                Terminal.out("Created schedule \(schedule.id) for \(schedule.agentName): \(schedule.when), next run \(InstantText.short(schedule.nextRunAt))")
            }
        }
    }

    struct Edit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "edit", abstract: "Change some fields of a schedule (others stay as they are).",
            discussion: "Example: sundial schedules edit 3f2a9c1e --cron \"30 8 * * *\" --set max_retries=2 --unset description")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: Target
        @OptionGroup var fields: ScheduleFieldOptions
        @Option(name: .long, parsing: .singleValue, help: ArgumentHelp("Clear a nullable field (description, model, session_key, destination, …).", valueName: "field"))
        var unset: [String] = []

        func run() async throws {
            try await CLIRunner.run {
                let client = try Session.open(global).client
                let schedule = try await ScheduleLookup(client: client).find(target.id, agent: target.agent)
                var body = try fields.fields(defaultTimezone: schedule.timezone)
                for field in unset { body[field] = .null }
                guard !body.isEmpty else { throw ValidationError("nothing to change: give at least one option (--cron, --message, --set field=value, --unset field, …)") }
                let updated = try await client.updateSchedule(agent: schedule.agentName, id: schedule.id, fields: body)
                if global.json { return Terminal.out(JSONText.pretty(updated.json)) }
                Terminal.out("Updated schedule \(updated.id): \(updated.when), \(updated.status), next run \(InstantText.short(updated.nextRunAt))")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a schedule (a run in progress finishes).", aliases: ["remove", "delete"])
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: Target

        func run() async throws {
            try await CLIRunner.run {
                let client = try Session.open(global).client
                let schedule = try await ScheduleLookup(client: client).find(target.id, agent: target.agent)
                try await client.deleteSchedule(agent: schedule.agentName, id: schedule.id)
                if global.json { return Terminal.out(JSONText.pretty(["status": "deleted", "schedule_id": .string(schedule.id), "agent_name": .string(schedule.agentName)])) }
                Terminal.out("Deleted schedule \(schedule.id) (\(schedule.agentName): \(schedule.name))")
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "enable", abstract: "Enable a schedule.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: Target

        func run() async throws { try await SchedulesCommand.toggle(true, global, target) }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "disable", abstract: "Disable (pause) a schedule.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: Target

        func run() async throws { try await SchedulesCommand.toggle(false, global, target) }
    }

    struct RunNow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run", abstract: "Run a schedule now (triggered_by: manual).",
            discussion: "With --wait, waits for the run to finish and exits 1 if it did not succeed.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: Target
        @Flag(name: .long, help: "Wait for the run to finish and print it.") var wait = false
        @Option(name: .long, help: "Seconds to wait with --wait (default 300).") var waitTimeout: Int = 300

        func run() async throws {
            try await CLIRunner.run {
                let client = try Session.open(global).client
                let schedule = try await ScheduleLookup(client: client).find(target.id, agent: target.agent)
                let triggered = try await client.triggerSchedule(agent: schedule.agentName, id: schedule.id)
                guard wait else {
                    if global.json { return Terminal.out(JSONText.pretty(triggered.json)) }
                    return Terminal.out("Triggered schedule \(schedule.id): run \(triggered.executionID) (follow it with `sundial runs show \(triggered.executionID)`)")
                }
                let run = try await RunsCommand.waitForEnd(client: client, agent: schedule.agentName, id: triggered.executionID, timeout: .seconds(waitTimeout))
                if global.json { Terminal.out(JSONText.pretty(run.json)) } else { Terminal.out(RunsCommand.details(run)) }
                if run.status != "success" { throw CLIFailure(.failure, "run \(run.id) ended \(run.status)\(run.error.map { ": \($0)" } ?? "")") }
            }
        }
    }

    static func toggle(_ enabled: Bool, _ global: GlobalOptions, _ target: Target) async throws {
        try await CLIRunner.run {
            let client = try Session.open(global).client
            let schedule = try await ScheduleLookup(client: client).find(target.id, agent: target.agent)
            let result = try await client.setScheduleEnabled(agent: schedule.agentName, id: schedule.id, enabled: enabled)
            if global.json { return Terminal.out(JSONText.pretty(result.json)) }
            Terminal.out("\(enabled ? "Enabled" : "Disabled") schedule \(schedule.id); next run \(InstantText.short(result.nextRunAt))")
        }
    }

    static func defaultName(_ message: String) -> String {
        let line = message.split(whereSeparator: \.isNewline).first.map(String.init) ?? message
        return line.count > 60 ? String(line.prefix(59)) + "…" : line
    }

    static func details(_ schedule: ScheduleInfo) -> String {
        var lines: [(String, String)] = [
            ("id", schedule.id), ("agent", schedule.agentName), ("name", schedule.name), ("when", schedule.when),
            ("status", schedule.status), ("enabled", "\(schedule.enabled)"), ("next run", InstantText.short(schedule.nextRunAt)),
            ("last run", InstantText.short(schedule.lastRunAt)), ("owner", schedule.owner),
        ]
        if let description = schedule.description { lines.append(("description", description)) }
        if let key = schedule.sessionKey { lines.append(("session key", key)) }
        if let destination = schedule.destination { lines.append(("destination", JSONText.compact(destination))) }
        lines.append(("message", schedule.message))
        return KeyValueText.render(lines)
    }
}

/// `key:   value` lines, keys aligned.
enum KeyValueText {
    static func render(_ lines: [(String, String)]) -> String {
        let width = (lines.map(\.0.count).max() ?? 0) + 2
        return lines.map { key, value in
            (key + ":").padding(toLength: width, withPad: " ", startingAt: 0) + value
        }.joined(separator: "\n")
    }
}

import ArgumentParser
import Domain
import Foundation
import SundialClient

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List, show and cancel runs (executions).",
        subcommands: [List.self, Show.self, Cancel.self], defaultSubcommand: List.self)

    struct Target: ParsableArguments {
        @Argument(help: "Run id (or a unique prefix among recent runs).") var id: String
        @Option(name: [.short, .long], help: "The run's agent (faster).") var agent: String?
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Recent runs, newest first.", aliases: ["ls"])
        @OptionGroup var global: GlobalOptions
        @Option(name: [.short, .long], help: "Only these agents (comma-separated).") var agent: String?
        @Option(name: .long, help: "Only this schedule's runs (full id).") var schedule: String?
        @Option(name: .long, help: "Only these statuses: pending, running, success, failed, skipped, cancelled (comma-separated).") var status: String?
        @Option(name: [.short, .long], help: "How many (default 20).") var limit: Int = 20

        func run() async throws {
            try await CLIRunner.run {
                let query = SundialAPIClient.ExecutionQuery(agents: agent, scheduleID: schedule, statuses: status, limit: limit)
                let runs = try await Session.open(global).client.executions(query).executions
                if global.json { return Terminal.out(JSONText.pretty(.array(runs.map(\.json)))) }
                guard !runs.isEmpty else { return Terminal.out("No runs.") }
                var table = Table([.init("id"), .init("agent"), .init("schedule", limit: 28), .init("status"), .init("trigger"), .init("started"), .init("duration")])
                for run in runs {
                    table.add([
                        String(run.id.prefix(8)), run.agentName, run.scheduleName ?? (run.scheduleID.map { String($0.prefix(8)) } ?? "(task)"),
                        run.status, run.triggeredBy, InstantText.short(run.startedAt ?? run.scheduledFor), InstantText.duration(milliseconds: run.durationMs),
                    ])
                }
                Terminal.out(table.render())
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one run with its response or error.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: Target

        func run() async throws {
            try await CLIRunner.run {
                let client = try Session.open(global).client
                let run = try await RunsCommand.find(client: client, target.id, agent: target.agent)
                if global.json { return Terminal.out(JSONText.pretty(run.json)) }
                Terminal.out(RunsCommand.details(run))
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a pending or running run.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var target: Target

        func run() async throws {
            try await CLIRunner.run {
                let client = try Session.open(global).client
                let run = try await RunsCommand.find(client: client, target.id, agent: target.agent)
                let result = try await client.cancelExecution(agent: run.agentName, id: run.id)
                if global.json { return Terminal.out(JSONText.pretty(result.json)) }
                if result.status == "already_finished" {
                    Terminal.out("Run \(run.id) had already finished (\(result.executionStatus ?? run.status))")
                } else {
                    Terminal.out("Cancelled run \(run.id)")
                }
            }
        }
    }

    /// The run with this id: directly with `--agent` and a full id; otherwise among the
    /// agents' recent runs (ids or prefixes), then agent by agent for an older full id.
    static func find(client: SundialAPIClient, _ reference: String, agent: String?) async throws -> ExecutionInfo {
        if let agent, reference.count == 36 { return try await client.execution(agent: agent, id: reference) }
        let wanted = reference.lowercased()
        let recent = try await client.executions(.init(agents: agent, limit: 200)).executions.filter { $0.id.hasPrefix(wanted) }
        if recent.count == 1 { return try await client.execution(agent: recent[0].agentName, id: recent[0].id) }
        if recent.count > 1 { throw CLIFailure.rejected("\(reference) matches \(recent.count) runs; give more of the id") }
        if reference.count == 36 {
            for candidate in try await client.agents() where agent == nil || candidate.name == agent {
                do {
                    return try await client.execution(agent: candidate.name, id: reference)
                } catch let error as SundialClientError where error.kind == .notFound {
                    continue
                }
            }
        }
        throw CLIFailure(.notFound, "no run with id \(reference)\(agent.map { " for agent \($0)" } ?? "") (see `sundial runs list`)")
    }

    /// Polls the run until it has finished.
    static func waitForEnd(client: SundialAPIClient, agent: String, id: String, timeout: Duration) async throws -> ExecutionInfo {
        let deadline = ContinuousClock.now + timeout
        while true {
            let run = try await client.execution(agent: agent, id: id)
            if run.isFinished { return run }
            guard ContinuousClock.now < deadline else {
                throw CLIFailure(.failure, "run \(id) is still \(run.status) after \(timeout); follow it with `sundial runs show \(id)`")
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    static func details(_ run: ExecutionInfo) -> String {
        var lines: [(String, String)] = [
            ("id", run.id), ("agent", run.agentName), ("schedule", run.scheduleName.map { "\($0) (\(run.scheduleID ?? ""))" } ?? run.scheduleID ?? "(ad-hoc task)"),
            ("status", run.status), ("triggered by", run.triggeredBy), ("scheduled for", InstantText.short(run.scheduledFor)),
            ("started", InstantText.short(run.startedAt)), ("completed", InstantText.short(run.completedAt)),
            ("duration", InstantText.duration(milliseconds: run.durationMs)),
        ]
        if let cost = run.cost { lines.append(("cost", String(format: "$%.4f", cost))) }
        if let reason = run.skipReason { lines.append(("skip reason", reason)) }
        if let error = run.error { lines.append(("error", error)) }
        lines.append(("message", run.message))
        if let response = run.response { lines.append(("response", response)) }
        return KeyValueText.render(lines)
    }
}

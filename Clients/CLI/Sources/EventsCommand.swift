import ArgumentParser
import Domain
import Foundation
import Logging
import SundialClient

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Watch what the scheduler does, live.", subcommands: [Tail.self], defaultSubcommand: Tail.self)

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tail", abstract: "Print events as they happen (WebSocket /ws/events).",
            discussion: """
                One line per event (JSON lines with --json). A dropped connection is re-opened with
                since=<last event id>, so nothing is missed or printed twice. --since N first replays
                the events after id N still in the durable log. Ctrl-C stops.
                """)
        @OptionGroup var global: GlobalOptions
        @Option(name: [.short, .long], parsing: .singleValue, help: "Only this agent's events (repeat, or comma-separate).") var agent: [String] = []
        @Option(name: .long, help: ArgumentHelp("Start after this event id.", valueName: "event-id")) var since: Int64?
        @Option(name: .long, help: "Exit after this many events.") var count: Int?
        @Flag(name: .long, help: "Exit when the connection drops instead of reconnecting.") var noReconnect = false

        func run() async throws {
            try await CLIRunner.run {
                let session = try Session.open(global)
                guard let credential = session.client.credential else { throw CLIFailure(SundialClientError(kind: .notLoggedIn, detail: "")) }
                _ = try await session.client.me()  // a refused token says so here, not as a failed upgrade
                let agents = agent.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
                var logger = Logger(label: "sundial.cli.events")
                logger.logLevel = .critical
                let feed = EventFeed(
                    baseURL: session.client.baseURL, credential: credential,
                    options: .init(agents: agents, since: since, reconnect: !noReconnect), logger: logger)
                var printed = 0
                for try await message in feed.messages() {
                    switch message {
                    case .connected(let latest, let resumedAfter):
                        Terminal.err("connected to \(session.client.baseURL)/ws/events (latest event \(latest)\(resumedAfter.map { ", resuming after \($0)" } ?? ""))")
                    case .disconnected(let reason, let retryIn):
                        Terminal.err("\(reason); reconnecting in \(retryIn)")
                    case .event(let event):
                        Terminal.out(global.json ? JSONText.compact(event.json) : Self.line(event))
                        printed += 1
                        if let count, printed >= count { return }
                    }
                }
            }
        }

        /// `#812  2024-03-10 07:30:00Z  completed  research  market summary  success  1.2s`
        static func line(_ event: SundialEvent) -> String {
            var parts = ["#\(event.eventID.map(String.init) ?? "-")", InstantText.short(event.timestamp)]
            parts.append(event.type.replacingOccurrences(of: "schedule_execution_", with: "run "))
            parts.append(event.agent ?? "-")
            if let name = event.scheduleName { parts.append("\"\(name)\"") }
            if let status = event.status { parts.append(status) }
            if let ms = event.json["duration_ms"]?.intValue { parts.append(InstantText.duration(milliseconds: ms)) }
            if let error = event.json["error"]?.stringValue { parts.append("error: \(Table.oneLine(error))") }
            if let id = event.executionID { parts.append("run \(id.prefix(8))") }
            return parts.joined(separator: "  ")
        }
    }
}

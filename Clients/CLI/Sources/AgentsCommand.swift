import ArgumentParser
import Domain
import SundialClient

struct AgentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents", abstract: "List, register and remove agents.",
        subcommands: [List.self, Add.self, Remove.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the agents you may see.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await CLIRunner.run {
                let agents = try await Session.open(global).client.agents()
                if global.json { return Terminal.out(JSONText.pretty(.array(agents.map(\.json)))) }
                var table = Table([.init("name"), .init("status"), .init("endpoint", limit: 50), .init("owner"), .init("max"), .init("created")])
                for agent in agents {
                    table.add([agent.name, agent.enabled ? agent.status : "stopped", agent.endpointURL, agent.owner, "\(agent.maxConcurrency)", InstantText.short(agent.createdAt)])
                }
                Terminal.out(agents.isEmpty ? "No agents. Register one with `sundial agents add NAME`." : table.render())
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Register an agent (a named HTTP endpoint that speaks the agent protocol).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Name: 1-63 lowercase letters, digits and '-'.") var name: String
        @Option(name: .long, help: "Its base URL (default: the API's SUNDIAL_AGENT_URL_TEMPLATE).") var endpointURL: String?
        @Option(name: .long, help: "Runs at once (default 10).") var maxConcurrency: Int?

        func run() async throws {
            try await CLIRunner.run {
                let agent = try await Session.open(global).client.createAgent(name: name, endpointURL: endpointURL, maxConcurrency: maxConcurrency)
                if global.json { return Terminal.out(JSONText.pretty(agent.json)) }
                Terminal.out("Registered agent \(agent.name) at \(agent.endpointURL)")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove", abstract: "Remove an agent and all of its schedules.", aliases: ["rm"])
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The agent's name.") var name: String
        @Flag(name: [.short, .long], help: "Do not ask for confirmation.") var yes = false

        func run() async throws {
            try await CLIRunner.run {
                let client = try Session.open(global).client
                if !yes {
                    let count = try await client.schedules(agent: name).count
                    let question = "Remove agent \(name) and its \(count) schedule\(count == 1 ? "" : "s")? [y/N] "
                    guard let answer = Terminal.prompt(question) else {
                        throw CLIFailure.rejected("removing agent \(name) deletes its \(count) schedule(s): add --yes to confirm")
                    }
                    guard ["y", "yes"].contains(answer.lowercased()) else { return Terminal.out("Kept agent \(name)") }
                }
                try await client.deleteAgent(name)
                if global.json { return Terminal.out(JSONText.pretty(["status": "deleted", "agent_name": .string(name)])) }
                Terminal.out("Removed agent \(name)")
            }
        }
    }
}

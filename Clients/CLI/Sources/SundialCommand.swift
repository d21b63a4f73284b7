import ArgumentParser

/// `sundial`: the command-line client of the Sundial API.
public struct SundialCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sundial",
        abstract: "Schedule AI agents from the terminal: agents, schedules, runs, live events.",
        discussion: """
            Log in once with `sundial login --url http://HOST:PORT`; the URL and token are kept in
            $XDG_CONFIG_HOME/sundial/credentials.json (or ~/.config/sundial/), readable by you only.
            SUNDIAL_API_URL and SUNDIAL_TOKEN (a token or an API key) override them, for scripts.
            Every listing prints a table, or the API's JSON with --json.

            Exit status: 0 ok, 1 other failure, 2 not logged in or credentials refused (401),
            3 not allowed (403), 4 not found (404), 5 value refused (400/409/422, the API's
            message shown as is), 6 API unreachable or unavailable, 64 bad command line.
            """,
        version: "1.0.0",
        subcommands: [
            LoginCommand.self, LogoutCommand.self, StatusCommand.self, AgentsCommand.self, SchedulesCommand.self,
            RunsCommand.self, EventsCommand.self, CronCommand.self,
        ]
    )

    public init() {}
}

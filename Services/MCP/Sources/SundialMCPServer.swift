import Logging
import MCP

/// An MCP `Server` offering Sundial's tools, for one client (one stdio process or one HTTP
/// session) acting with one API key.
enum SundialMCPServer {
    static let name = "sundial"
    static let version = "1.0.0"
    static let instructions = """
        Sundial runs AI agents on time. Use schedule_task to have an agent (by default the one \
        your key belongs to) run a message once at a date-time or repeatedly on a cron \
        expression, and cancel_scheduled_task to call it off. The *_agent_schedule tools manage \
        schedules in full; get_schedule_executions shows what ran and how it went.
        """

    static func make(toolbox: SundialToolbox) async -> Server {
        let server = Server(
            name: name, version: version, title: "Sundial scheduler", instructions: instructions,
            capabilities: .init(tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(tools: ToolCatalog.tools)
        }
        await server.withMethodHandler(CallTool.self) { params in
            await toolbox.call(params.name, arguments: params.arguments)
        }
        return server
    }
}

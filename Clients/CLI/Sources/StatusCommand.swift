import ArgumentParser
import Domain
import SundialClient

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Who you are, whether the API and scheduler are up, and what is scheduled.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await CLIRunner.run {
            let client = try Session.open(global).client
            let readiness = try await client.readiness()
            let me = try await client.me()
            let schedules = try await client.allSchedules()
            let running = try await client.executions(.init(statuses: "pending,running", limit: 200)).executions
            // The scheduler replicas' status is for admins; others see whether runs move.
            let scheduler: SchedulerStatusInfo? = me.isAdmin ? try await client.schedulerStatus() : nil
            var json: [String: JSONValue] = [
                "api_url": .string(client.baseURL), "ready": .bool(readiness.ready), "readiness": readiness.json, "user": me.json,
                "schedules": ["total": .int(schedules.count), "enabled": .int(schedules.filter(\.enabled).count)],
                "active_runs": .int(running.count),
            ]
            if let scheduler { json["scheduler"] = scheduler.json }
            if global.json { return Terminal.out(JSONText.pretty(.object(json))) }
            var lines: [(String, String)] = [
                ("api", "\(client.baseURL) (\(readiness.ready ? "ready" : "NOT READY: \(readiness.json["detail"]?.stringValue ?? "see /ready")"))"),
                ("logged in as", me.username + " (\(me.role)" + (me.agentScope.map { ", key of agent \($0)" } ?? "") + ")"),
                ("schedules", "\(schedules.count) (\(schedules.filter(\.enabled).count) enabled)"),
                ("active runs", "\(running.count)"),
            ]
            if let scheduler {
                let replicas = scheduler.replicas.map { "\($0.workerID) (\($0.runningExecutions ?? 0) running)" }.joined(separator: ", ")
                lines.append(("scheduler", scheduler.running ? "\(scheduler.replicas.count) replica(s): \(replicas)" : "NOT RUNNING (no replica heartbeat)"))
            }
            Terminal.out(KeyValueText.render(lines))
        }
    }
}

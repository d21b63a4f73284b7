import Domain
import Foundation
import MCP
import Testing
@testable import SundialMCP

@Suite("MCP tool catalog and schedule_task arguments")
struct MCPToolsTests {
    @Test("ten tools, each with an object schema that lists its arguments and required ones")
    func catalog() throws {
        let names = ToolCatalog.tools.map(\.name)
        #expect(names == [
            "list_agent_schedules", "create_agent_schedule", "get_agent_schedule", "update_agent_schedule", "delete_agent_schedule",
            "toggle_agent_schedule", "trigger_agent_schedule", "get_schedule_executions", "schedule_task", "cancel_scheduled_task",
        ])
        for tool in ToolCatalog.tools {
            guard case .object(let schema) = tool.inputSchema, case .object(let properties)? = schema["properties"] else {
                Issue.record("\(tool.name): schema is not an object with properties")
                continue
            }
            #expect(schema["type"] == "object")
            #expect(properties["agent_name"] != nil, "\(tool.name) takes agent_name")
            for case .string(let required) in schema["required"]?.arrayValue ?? [] {
                #expect(properties[required] != nil, "\(tool.name): required \(required) is a property")
            }
            #expect(tool.description?.isEmpty == false)
        }
        #expect(ToolCatalog.allowedArguments(.createAgentSchedule).isSuperset(of: ["name", "message", "cron_expression", "run_at", "interval_seconds", "destination", "session_key"]))
    }

    private func plan(_ arguments: [String: JSONValue]) throws -> ScheduleTaskPlan {
        try ScheduleTaskPlan(ToolArguments(arguments), now: Date(timeIntervalSince1970: 1_900_000_000))  // 2030-03-17
    }

    @Test("at becomes a one-time run_at (local times read in the time zone); cron a cron_expression")
    func plans() throws {
        let once = try plan(["message": "ping me", "at": "2030-05-14T14:00", "timezone": "Europe/Berlin", "session_key": "s-1"])
        #expect(once.kind == .once)
        #expect(once.fields["run_at"] == "2030-05-14T12:00:00Z")
        #expect(once.fields["name"] == "task: ping me")
        #expect(once.fields["session_key"] == "s-1")
        let cron = try plan(["message": "daily", "cron": "0 9 * * 1-5", "destination": ["kind": "webhook", "url": "https://x.example"]])
        #expect(cron.kind == .cron)
        #expect(cron.fields["cron_expression"] == "0 9 * * 1-5")
        #expect(cron.fields["timezone"] == "UTC")
        #expect(cron.fields["destination"]?["kind"] == "webhook")
    }

    @Test("schedule_task refusals name what is wrong", arguments: [
        (["at": "2030-05-14T14:00:00Z"] as [String: JSONValue], "message: required"),
        (["message": "x"], "give when to run"),
        (["message": "x", "at": "2030-05-14T14:00:00Z", "cron": "* * * * *"], "not both"),
        (["message": "x", "at": "2020-01-01T00:00:00Z"], "is in the past"),
        (["message": "x", "at": "soon"], "at: expected an ISO date-time"),
        (["message": "x", "at": "2030-05-14T14:00", "timezone": "Nowhere/City"], "at: timezone:"),
        (["message": 5], "message: expected a string"),
        (["message": "x", "cron": "* * * * *", "context": "text"], "context: expected an object"),
    ])
    func refusals(arguments: [String: JSONValue], fragment: String) {
        #expect {
            _ = try plan(arguments)
        } throws: { error in
            guard let failure = error as? ToolFailure else { return false }
            return failure.message.contains(fragment)
        }
    }

    @Test("unknown arguments are refused by name")
    func unknownArguments() {
        #expect(throws: ToolFailure("unknown argument \"cronExpression\"; allowed: agent_name, schedule_id")) {
            try ToolArguments(["schedule_id": "x", "cronExpression": "* * * * *"]).rejectUnknown(allowed: ["agent_name", "schedule_id"])
        }
    }

    @Test("MCP values and Sundial JSON convert both ways")
    func bridge() {
        let json: JSONValue = ["a": [1, 2.5, "x", true, nil], "b": ["c": "d"]]
        #expect(ValueBridge.json(ValueBridge.value(json)) == json)
    }
}

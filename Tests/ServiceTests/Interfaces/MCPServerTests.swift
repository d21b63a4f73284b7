import AgentClient
import Foundation
import MCP
import Testing

/// `sundial-mcp` with the MCP SDK's own client against the real API and a real scheduler.
@Suite("sundial-mcp against a live stack", .enabled(if: TestEnvironment.available), .serialized)
struct MCPServerTests {
    @Test("over streamable HTTP: tools listed; an agent key schedules a one-shot task that runs, cancels another, and is refused on other agents")
    func agentKeyOverHTTP() async throws {
        let transport = RecordingTransport(delay: .milliseconds(50))
        try await LiveStack.run(scheduler: transport) { stack in
            let owner = try await stack.newUser("mcp-owner")
            let mine = try await stack.agent(owner.client, "mcp-a")
            let other = try await stack.agent(owner.client, "mcp-b")
            let key = try await stack.apiKey(owner.client, agent: mine)
            try await MCPTestServer.run(apiURL: stack.baseURL) { endpoint in
                let client = try await MCPTestServer.connect(endpoint, key: key)
                let tools = try await client.listTools().tools
                #expect(Set(tools.map(\.name)) == [
                    "list_agent_schedules", "create_agent_schedule", "get_agent_schedule", "update_agent_schedule", "delete_agent_schedule",
                    "toggle_agent_schedule", "trigger_agent_schedule", "get_schedule_executions", "schedule_task", "cancel_scheduled_task",
                ])
                let scheduleTask = try #require(tools.first { $0.name == "schedule_task" })
                #expect(scheduleTask.inputSchema.objectValue?["required"] == ["message"])

                // A one-shot task two seconds from now, as the agent itself (no agent_name needed).
                let at = ISO8601DateFormatter().string(from: Date().addingTimeInterval(2))
                let scheduled = try await client.call("schedule_task", ["message": "water the plants", "at": .string(at)])
                #expect(!scheduled.isError, "\(scheduled.text)")
                #expect(scheduled.json["agent_name"] as? String == mine)
                #expect(scheduled.json["kind"] as? String == "once")
                let taskID = try #require(scheduled.json["task_id"] as? String)

                var finished: [String: Any]?
                for _ in 0..<60 where finished == nil {
                    try await Task.sleep(for: .milliseconds(250))
                    let runs = try await client.call("get_schedule_executions", ["schedule_id": .string(taskID)])
                    #expect(!runs.isError, "\(runs.text)")
                    finished = (runs.json["executions"] as? [[String: Any]])?.first { ["success", "failed"].contains($0["status"] as? String) }
                }
                let run = try #require(finished, "the task ran within 15 s")
                #expect(run["status"] as? String == "success")
                #expect(run["response"] as? String == "done: water the plants")
                #expect(run["triggered_by"] as? String == "schedule")
                #expect(transport.executionIDs.contains(try #require(run["id"] as? String)))

                // Another one, cancelled before it fires: it never reaches the agent.
                let later = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3))
                let doomed = try await client.call("schedule_task", ["message": "never send this", "at": .string(later)])
                let doomedID = try #require(doomed.json["task_id"] as? String, "\(doomed.text)")
                let cancelled = try await client.call("cancel_scheduled_task", ["task_id": .string(doomedID)])
                #expect(!cancelled.isError && cancelled.json["status"] as? String == "cancelled", "\(cancelled.text)")
                let again = try await client.call("cancel_scheduled_task", ["task_id": .string(doomedID)])
                #expect(again.isError && again.text.contains("no task \"\(doomedID)\""), "\(again.text)")
                // The finished one-shot is reported, not deleted.
                let done = try await client.call("cancel_scheduled_task", ["task_id": .string(taskID)])
                #expect(done.json["status"] as? String == "already_finished", "\(done.text)")

                // Cross-agent calls are refused with a message naming both agents.
                let crossCreate = try await client.call("create_agent_schedule", [
                    "agent_name": .string(other), "name": "x", "message": "x", "cron_expression": "0 9 * * *",
                ])
                #expect(crossCreate.isError, "\(crossCreate.text)")
                #expect(crossCreate.text.contains("belongs to agent \"\(mine)\"") && crossCreate.text.contains("\"\(other)\""), "\(crossCreate.text)")
                let crossList = try await client.call("list_agent_schedules", ["agent_name": .string(other)])
                #expect(crossList.isError, "\(crossList.text)")

                try await Task.sleep(for: .seconds(2))  // past the cancelled task's time
                let listed = try await client.call("list_agent_schedules")
                let ids = (listed.json["schedules"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
                #expect(ids == [taskID], "\(listed.text)")
                #expect(!transport.executionIDs.isEmpty)
                let calls = try await stack.admin.request(.get, "/api/executions?agent=\(mine)")
                #expect(calls.array.count == 1, "only the first task ran: \(calls.body)")
                await client.disconnect()
            }
        }
    }

    @Test("a user key manages schedules with every tool; API refusals come back as isError with the API's words")
    func userKeyTools() async throws {
        let transport = RecordingTransport(delay: .milliseconds(50))
        try await LiveStack.run(scheduler: transport) { stack in
            let owner = try await stack.newUser("mcp-user")
            let agent = try await stack.agent(owner.client, "mcp-u")
            let key = try await stack.apiKey(owner.client)
            let stranger = try await stack.newUser("mcp-stranger")
            let strangerKey = try await stack.apiKey(stranger.client)
            try await MCPTestServer.run(apiURL: stack.baseURL) { endpoint in
                let client = try await MCPTestServer.connect(endpoint, key: key)
                let missingAgent = try await client.call("get_agent_schedule", ["schedule_id": "x"])
                #expect(missingAgent.isError && missingAgent.text.contains("agent_name: required"), "\(missingAgent.text)")

                let created = try await client.call("create_agent_schedule", [
                    "agent_name": .string(agent), "name": "report", "message": "weekly report", "cron_expression": "0 9 * * 1",
                    "timezone": "Europe/Berlin", "session_key": "weekly",
                ])
                #expect(!created.isError, "\(created.text)")
                let id = try #require(created.json["id"] as? String)
                #expect(created.json["next_run_at"] is String)

                let bad = try await client.call("create_agent_schedule", ["agent_name": .string(agent), "name": "bad", "message": "x", "cron_expression": "0 0 30 2 *"])
                #expect(bad.isError && bad.text.contains("HTTP 400: cron_expression:"), "\(bad.text)")
                let typo = try await client.call("create_agent_schedule", ["agent_name": .string(agent), "name": "x", "message": "x", "cron": "* * * * *"])
                #expect(typo.isError && typo.text.contains("unknown argument \"cron\""), "\(typo.text)")

                let updated = try await client.call("update_agent_schedule", ["agent_name": .string(agent), "schedule_id": .string(id), "timezone": "Asia/Tokyo", "session_key": .null])
                #expect(updated.json["timezone"] as? String == "Asia/Tokyo" && updated.json["session_key"] is NSNull, "\(updated.text)")
                let paused = try await client.call("toggle_agent_schedule", ["agent_name": .string(agent), "schedule_id": .string(id), "enabled": false])
                #expect(paused.json["enabled"] as? Bool == false, "\(paused.text)")
                let got = try await client.call("get_agent_schedule", ["agent_name": .string(agent), "schedule_id": .string(id)])
                #expect(got.json["status"] as? String == "paused", "\(got.text)")

                let triggered = try await client.call("trigger_agent_schedule", ["agent_name": .string(agent), "schedule_id": .string(id)])
                let executionID = try #require(triggered.json["execution_id"] as? String, "\(triggered.text)")
                var status: String?
                for _ in 0..<40 where status != "success" {
                    try await Task.sleep(for: .milliseconds(250))
                    let runs = try await client.call("get_schedule_executions", ["agent_name": .string(agent), "schedule_id": .string(id), "limit": 5])
                    status = (runs.json["executions"] as? [[String: Any]])?.first { $0["id"] as? String == executionID }?["status"] as? String
                }
                #expect(status == "success")

                let deleted = try await client.call("delete_agent_schedule", ["agent_name": .string(agent), "schedule_id": .string(id)])
                #expect(deleted.json["status"] as? String == "deleted", "\(deleted.text)")
                let gone = try await client.call("get_agent_schedule", ["agent_name": .string(agent), "schedule_id": .string(id)])
                #expect(gone.isError && gone.text.contains("HTTP 404: Schedule not found"), "\(gone.text)")
                await client.disconnect()

                // Another user's key: the API's visibility rule answers 404 for the agent.
                let foreign = try await MCPTestServer.connect(endpoint, key: strangerKey)
                let refused = try await foreign.call("list_agent_schedules", ["agent_name": .string(agent)])
                #expect(refused.isError && refused.text.contains("HTTP 404: Agent not found"), "\(refused.text)")
                await foreign.disconnect()
            }
        }
    }

    @Test("the HTTP endpoint refuses a bad key with 401, a request without session with 400, GET with 405, another key on a session with 403")
    func httpProtocolEdges() async throws {
        try await LiveStack.run { stack in
            let key = try await stack.apiKey(stack.admin)
            let otherKey = try await stack.apiKey(stack.admin)
            try await MCPTestServer.run(apiURL: stack.baseURL) { endpoint in
                let http = CurlHTTPClient()
                defer { Task { await http.shutdown() } }
                let initialize = Array(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#.utf8)
                func post(_ body: [UInt8], key: String?, session: String? = nil) async throws -> CurlResponse {
                    var headers = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")]
                    if let key { headers.append(("Authorization", "Bearer \(key)")) }
                    if let session { headers.append(("Mcp-Session-Id", session)) }
                    return try await http.execute(CurlRequest(method: "POST", url: endpoint.absoluteString, headers: headers, body: body))
                }
                var response = try await post(initialize, key: "sk_not_a_key")
                #expect(response.status == 401 && response.header("WWW-Authenticate")?.hasPrefix("Bearer") == true, "\(response.bodyText)")
                response = try await post(initialize, key: nil)
                #expect(response.status == 401)
                response = try await post(Array(#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#.utf8), key: key)
                #expect(response.status == 400 && response.bodyText.lowercased().contains("mcp-session-id"), "\(response.bodyText)")
                response = try await post(initialize, key: key)
                #expect(response.status == 200, "\(response.bodyText)")
                let session = try #require(response.header("Mcp-Session-Id"))
                #expect(response.bodyText.contains("\"serverInfo\""))
                let list = Array(#"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#.utf8)
                response = try await post(list, key: otherKey, session: session)
                #expect(response.status == 403, "\(response.bodyText)")
                response = try await post(list, key: key, session: session)
                #expect(response.status == 200 && response.bodyText.contains("schedule_task"), "\(response.bodyText)")
                response = try await http.execute(CurlRequest(method: "GET", url: endpoint.absoluteString, headers: [("Authorization", "Bearer \(key)")]))
                #expect(response.status == 405)
                response = try await http.execute(CurlRequest(method: "DELETE", url: endpoint.absoluteString, headers: [("Authorization", "Bearer \(key)"), ("Mcp-Session-Id", session)]))
                #expect(response.status == 200)
                response = try await post(list, key: key, session: session)
                #expect(response.status == 404, "a closed session is gone: \(response.bodyText)")
            }
        }
    }

    @Test("over stdio: the built sundial-mcp answers the SDK client with SUNDIAL_API_KEY; a refused key stops it with a message")
    func stdio() async throws {
        try await LiveStack.run { stack in
            let owner = try await stack.newUser("mcp-stdio")
            let agent = try await stack.agent(owner.client, "mcp-s")
            let key = try await stack.apiKey(owner.client, agent: agent)
            let server = try MCPProcess.start(apiURL: stack.baseURL, key: key)
            defer { server.stop() }
            let client = Client(name: "sundial-tests", version: "1.0")
            try await client.connect(transport: StdioTransport(input: server.output, output: server.input))
            #expect(try await client.listTools().tools.count == 10)
            let created = try await client.call("schedule_task", ["message": "from stdio", "cron": "0 6 * * *", "timezone": "Europe/Paris"])
            #expect(!created.isError && created.json["agent_name"] as? String == agent, "\(created.text)")
            let listed = try await client.call("list_agent_schedules")
            #expect((listed.json["count"] as? Int) == 1, "\(listed.text)")
            await client.disconnect()

            let refused = try MCPProcess.start(apiURL: stack.baseURL, key: "sk_refused")
            defer { refused.stop() }
            let (status, stderr) = try await refused.waitForExit(timeout: .seconds(15))
            #expect(status != 0)
            #expect(stderr.contains("SUNDIAL_API_KEY was refused by the API at \(stack.baseURL)"), "\(stderr)")
        }
    }
}

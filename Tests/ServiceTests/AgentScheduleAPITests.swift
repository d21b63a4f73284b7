import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Agents and schedules through the real router and Postgres (API.md "Agents", "Schedules").
@Suite("Agents and schedules API", .enabled(if: TestEnvironment.available), .serialized)
struct AgentScheduleAPITests {
    /// Friday 2024-03-08 10:00 UTC.
    static let fixedNow = Date(timeIntervalSince1970: 1_709_892_000)

    @Test("authentication comes before everything, including unknown paths")
    func authFirst() async throws {
        let harness = try await APITestHarness.make()
        try await harness.run { anonymous in
            for path in ["/api/agents", "/api/agents/nonexistent/schedules/some-id", "/api/no/such/route"] {
                let answer = try await anonymous.request(.get, path, headers: [.contentType: "application/json"])
                #expect(answer.status == .unauthorized, "\(path)")
                #expect(answer.detail == "Not authenticated")
                #expect(answer.headers[.wwwAuthenticate] == "Bearer")
            }
            let admin = try await anonymous.login()
            #expect(try await admin.request(.get, "/api/no/such/route").status == .notFound)
        }
    }

    @Test("agents: register, read, stop/start, conflicts, bad names, delete")
    func agents() async throws {
        let harness = try await APITestHarness.make()
        try await harness.run { anonymous in
            let admin = try await anonymous.login()
            let name = APIClient.uniqueAgentName("test-agents")
            let created = try await admin.request(.post, "/api/agents", json: #"{"name":"\#(name)","resources":{"cpu":"2"}}"#)
            #expect(created.status == .created, "\(created.body)")
            #expect(created.object["status"] as? String == "running")
            #expect(created.object["endpoint_url"] as? String == "http://127.0.0.1:9/agents/\(name)")
            #expect(created.object["owner"] as? String == "admin")

            #expect(try await admin.request(.post, "/api/agents", json: #"{"name":"\#(name)"}"#).status == .conflict)
            let bad = try await admin.request(.post, "/api/agents", json: #"{"name":"invalid name with spaces!"}"#)
            #expect(bad.status == .badRequest)
            #expect(bad.detail.hasPrefix("name:"))
            #expect(try await admin.request(.post, "/api/agents", json: #"{}"#).status == .unprocessableContent)

            let list = try await admin.request(.get, "/api/agents", headers: [.contentType: "application/json"])
            #expect(list.array.contains { $0["name"] as? String == name })

            let stopped = try await admin.request(.post, "/api/agents/\(name)/stop", headers: [.contentType: "application/json"])
            #expect(stopped.status == .ok)
            #expect(try await admin.request(.get, "/api/agents/\(name)").object["status"] as? String == "stopped")
            #expect(try await admin.request(.post, "/api/agents/\(name)/start").status == .ok)
            #expect(try await admin.request(.get, "/api/agents/\(name)").object["status"] as? String == "running")

            let autonomy = try await admin.request(.put, "/api/agents/\(name)/autonomy", json: #"{"enabled":false}"#)
            #expect(autonomy.object["autonomy_enabled"] as? Bool == false)

            // Another user sees nothing of it.
            let other = try await admin.newUser()
            #expect(try await other.request(.get, "/api/agents/\(name)").status == .notFound)
            #expect(!(try await other.request(.get, "/api/agents").array.contains { $0["name"] as? String == name }))

            #expect(try await admin.request(.delete, "/api/agents/\(name)", headers: [.contentType: "application/json"]).status == .noContent)
            #expect(try await admin.request(.get, "/api/agents/\(name)").status == .notFound)
            #expect(try await admin.request(.delete, "/api/agents/\(name)").status == .notFound)
        }
    }

    @Test("schedules: create computes next_run_at in the schedule's zone and applies defaults")
    func createSchedule() async throws {
        let harness = try await APITestHarness.make()
        try await harness.run(now: { Self.fixedNow }) { anonymous in
            let admin = try await anonymous.login()
            let agent = APIClient.uniqueAgentName("test-schedules")
            _ = try await admin.request(.post, "/api/agents", json: #"{"name":"\#(agent)"}"#)
            let created = try await admin.request(.post, "/api/agents/\(agent)/schedules", json: """
                {"name":"Market summary","cron_expression":"0 9 * * 1-5","timezone":"Europe/Berlin",
                 "message":"Summarise the markets 📈 '; DROP TABLE schedules; --","context":{"tickers":["AAPL"],"depth":2}}
                """)
            #expect(created.status == .created, "\(created.body)")
            let s = created.object
            #expect(s["next_run_at"] as? String == "2024-03-11T08:00:00Z")
            #expect(s["message"] as? String == "Summarise the markets 📈 '; DROP TABLE schedules; --")
            #expect(s["timezone"] as? String == "Europe/Berlin")
            #expect(s["enabled"] as? Bool == true)
            #expect(s["status"] as? String == "recurring")
            #expect(s["trigger"] as? String == "cron")
            #expect(s["timeout_seconds"] as? Int == 900)
            #expect(s["catchup"] as? String == "latest")
            #expect(s["overlap"] as? String == "skip")
            #expect(s["notify"] as? String == "failure")
            #expect(s.keys.contains("allowed_tools") && s["allowed_tools"] is NSNull)
            #expect((s["context"] as? [String: Any])?["depth"] as? Int == 2)
            let id = try #require(s["id"] as? String)

            let fetched = try await admin.request(.get, "/api/agents/\(agent)/schedules/\(id)", headers: [.contentType: "application/json"])
            #expect(fetched.object["name"] as? String == "Market summary")
            #expect(try await admin.request(.get, "/api/agents/\(agent)/schedules").array.count == 1)

            let once = try await admin.request(.post, "/api/agents/\(agent)/schedules", json: #"{"name":"remind","message":"hi","run_at":"2024-03-12T14:00:00+01:00"}"#)
            #expect(once.status == .created, "\(once.body)")
            #expect(once.object["next_run_at"] as? String == "2024-03-12T13:00:00Z")
            #expect(once.object["status"] as? String == "pending")
            #expect(once.object["trigger"] as? String == "once")

            let interval = try await admin.request(.post, "/api/agents/\(agent)/schedules", json: #"{"name":"inbox","message":"check","interval_seconds":900}"#)
            #expect(interval.object["next_run_at"] as? String == "2024-03-08T10:15:00Z")
        }
    }

    @Test("schedules: invalid input is refused with the field named", arguments: [
        (#"{"name":"x","message":"m","cron_expression":"0 9 * * MONDAY"}"#, 400, "day-of-week"),
        (#"{"name":"x","message":"m","cron_expression":"0 0 30 2 *"}"#, 400, "can never fire"),
        (#"{"name":"x","message":"m","cron_expression":"invalid cron"}"#, 400, "cron_expression"),
        (#"{"name":"x","message":"m","cron_expression":"* * * * *","timezone":"Mars/Base"}"#, 400, "Mars/Base"),
        (#"{"message":"m","cron_expression":"* * * * *"}"#, 422, "name: required"),
        (#"{"name":"x","cron_expression":"* * * * *"}"#, 422, "message: required"),
        (#"{"name":"x","message":"m"}"#, 422, "cron_expression: required"),
        (#"{"name":"x","message":"m","cron_expression":"* * * * *","colour":"red"}"#, 422, "unknown field"),
        (#"{"name":"x","message":"m","cron_expression":"* * * * *","run_at":"2030-01-01T00:00:00Z"}"#, 400, "exactly one"),
        (#"{"name":"x","message":"m","cron_expression":"* * * * *","timeout_seconds":10}"#, 400, "timeout_seconds"),
        (#"{"name":"x","message":"m","cron_expression":"* * * * *","max_retries":9}"#, 400, "max_retries"),
        (#"{"name":"x","message":"m","cron_expression":"* * * * *","catchup":"sometimes"}"#, 422, "catchup"),
        (#"{"name":"x","message":"m","cron_expression":"* * * * *","timeout_seconds":"900"}"#, 422, "timeout_seconds"),
        (#"{"name":"","message":"m","cron_expression":"* * * * *"}"#, 400, "name"),
        (#"{"name":"x","message":"m","interval_seconds":30}"#, 400, "interval_seconds"),
        (#"{"name":"x","message":"m","run_at":"2020-01-01T00:00:00Z"}"#, 400, "in the past"),
        (#"{"name":"x","message":"m","cron_expression":"* * * * *","context":[1,2]}"#, 422, "context"),
        (#"{"name":"x","message":"m","cron_expression":"* * * * *","destination":{"kind":"pigeon"}}"#, 400, "destination.kind"),
        ("not json", 422, "Malformed JSON"),
    ])
    func invalidSchedules(body: String, status: Int, mention: String) async throws {
        let harness = try await APITestHarness.make()
        try await harness.run(now: { Self.fixedNow }) { anonymous in
            let admin = try await anonymous.login()
            let agent = APIClient.uniqueAgentName("test-invalid")
            _ = try await admin.request(.post, "/api/agents", json: #"{"name":"\#(agent)"}"#)
            let answer = try await admin.request(.post, "/api/agents/\(agent)/schedules", json: body)
            #expect(answer.status.code == status, "\(answer.body)")
            #expect(answer.detail.contains(mention), "\(answer.detail)")
            #expect(answer.object["code"] is String)
            #expect(try await admin.request(.get, "/api/agents/\(agent)/schedules").array.isEmpty)
        }
    }

    @Test("schedules: PUT is partial, null clears, revision and next run follow; enable/disable; delete")
    func updateSchedule() async throws {
        let harness = try await APITestHarness.make()
        try await harness.run(now: { Self.fixedNow }) { anonymous in
            let admin = try await anonymous.login()
            let agent = APIClient.uniqueAgentName("test-update")
            _ = try await admin.request(.post, "/api/agents", json: #"{"name":"\#(agent)"}"#)
            let created = try await admin.request(.post, "/api/agents/\(agent)/schedules", json: #"{"name":"a","message":"m","cron_expression":"0 12 * * *","model":"claude-opus-4-6","enabled":false}"#)
            let id = try #require(created.object["id"] as? String)
            #expect(created.object["next_run_at"] is NSNull)
            #expect(created.object["status"] as? String == "paused")
            let revision = try #require(created.object["revision"] as? Int)

            let renamed = try await admin.request(.put, "/api/agents/\(agent)/schedules/\(id)", json: #"{"name":"b"}"#)
            #expect(renamed.status == .ok, "\(renamed.body)")
            #expect(renamed.object["name"] as? String == "b")
            #expect(renamed.object["model"] as? String == "claude-opus-4-6")
            #expect(renamed.object["cron_expression"] as? String == "0 12 * * *")
            #expect((renamed.object["revision"] as? Int ?? 0) > revision)

            let cleared = try await admin.request(.put, "/api/agents/\(agent)/schedules/\(id)", json: #"{"model":null,"cron_expression":"30 10 * * *","enabled":true}"#)
            #expect(cleared.object["model"] is NSNull)
            #expect(cleared.object["next_run_at"] as? String == "2024-03-08T10:30:00Z")

            let invalid = try await admin.request(.put, "/api/agents/\(agent)/schedules/\(id)", json: #"{"cron_expression":"invalid"}"#)
            #expect(invalid.status == .badRequest)
            #expect(try await admin.request(.get, "/api/agents/\(agent)/schedules/\(id)").object["cron_expression"] as? String == "30 10 * * *")
            #expect(try await admin.request(.put, "/api/agents/\(agent)/schedules/\(id)", json: #"{"name":null}"#).status == .unprocessableContent)

            let disabled = try await admin.request(.post, "/api/agents/\(agent)/schedules/\(id)/disable", headers: [.contentType: "application/json"])
            #expect(disabled.object["status"] as? String == "disabled")
            #expect(disabled.object["schedule_id"] as? String == id)
            #expect(try await admin.request(.get, "/api/agents/\(agent)/schedules/\(id)").object["next_run_at"] is NSNull)
            let enabled = try await admin.request(.post, "/api/agents/\(agent)/schedules/\(id)/enable")
            #expect(enabled.object["status"] as? String == "enabled")
            #expect(enabled.object["next_run_at"] as? String == "2024-03-08T10:30:00Z")

            #expect(try await admin.request(.put, "/api/agents/\(agent)/schedules/nonexistent-id", json: #"{"name":"x"}"#).status == .notFound)
            #expect(try await admin.request(.get, "/api/agents/\(agent)/schedules/None").status == .notFound)
            #expect(try await admin.request(.delete, "/api/agents/\(agent)/schedules/\(id)").status == .noContent)
            #expect(try await admin.request(.get, "/api/agents/\(agent)/schedules/\(id)").status == .notFound)
        }
    }

    @Test("authorization: users see only their agents; agent keys act only on their agent")
    func authorization() async throws {
        let harness = try await APITestHarness.make()
        try await harness.run(now: { Self.fixedNow }) { anonymous in
            let admin = try await anonymous.login()
            let alice = try await admin.newUser("alice")
            let bob = try await admin.newUser("bob")
            let agentA = APIClient.uniqueAgentName("alice")
            let agentB = APIClient.uniqueAgentName("bob")
            #expect(try await alice.request(.post, "/api/agents", json: #"{"name":"\#(agentA)"}"#).status == .created)
            #expect(try await bob.request(.post, "/api/agents", json: #"{"name":"\#(agentB)"}"#).status == .created)
            let schedule = try await alice.request(.post, "/api/agents/\(agentA)/schedules", json: #"{"name":"a","message":"m","cron_expression":"* * * * *"}"#)
            let id = try #require(schedule.object["id"] as? String)

            #expect(try await bob.request(.get, "/api/agents/\(agentA)/schedules").status == .notFound)
            #expect(try await bob.request(.get, "/api/agents/\(agentA)/schedules/\(id)").status == .notFound)
            #expect(try await bob.request(.delete, "/api/agents/\(agentA)/schedules/\(id)").status == .notFound)
            #expect(try await admin.request(.get, "/api/agents/\(agentA)/schedules/\(id)").status == .ok)

            let key = try await alice.request(.post, "/api/keys", json: #"{"name":"agent key","scope":"agent","agent_name":"\#(agentA)"}"#)
            #expect(key.status == .created, "\(key.body)")
            let secret = try #require(key.object["key"] as? String)
            let agentClient = APIClient(client: alice.client, token: secret)
            #expect(try await agentClient.request(.get, "/api/agents/\(agentA)/schedules").array.count == 1)
            let own = try await agentClient.request(.post, "/api/agents/\(agentA)/schedules", json: #"{"name":"self","message":"m","cron_expression":"0 * * * *"}"#)
            #expect(own.status == .created)
            #expect(try await agentClient.request(.get, "/api/agents/\(agentB)/schedules").status == .notFound)
            #expect(try await agentClient.request(.post, "/api/agents", json: #"{"name":"\#(APIClient.uniqueAgentName())"}"#).status == .forbidden)
            #expect(try await agentClient.request(.delete, "/api/agents/\(agentA)").status == .forbidden)
            #expect(try await agentClient.request(.delete, "/api/agents/\(agentA)/schedules/\(id)").status == .noContent)
        }
    }
}

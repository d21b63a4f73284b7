import Foundation
import Testing

/// The built `sundial` binary against the real API on a loopback port.
@Suite("sundial CLI against a live API", .enabled(if: TestEnvironment.available), .serialized)
struct CLITests {
    @Test("login stores URL and token 0600; agents and schedules round trip; errors exit with their own status and the API's words")
    func roundTrip() async throws {
        let cli = try CLIProcess.make()
        defer { cli.cleanUp() }
        try await LiveStack.run { stack in
            var result = try await cli.run(["schedules", "list"])
            #expect(result.status == 2, "\(result)")
            #expect(result.stderr.contains("not logged in"), "\(result)")

            result = try await cli.run(["login", "--url", stack.baseURL, "--username", "admin", "--password-stdin"], stdin: "wrong-password\n")
            #expect(result.status == 2, "\(result)")
            #expect(result.stderr.contains("HTTP 401"), "\(result)")
            #expect(!FileManager.default.fileExists(atPath: cli.credentialsFile.path))

            result = try await cli.run(["login", "--url", stack.baseURL, "--username", "admin", "--password-stdin"], stdin: "\(APITestHarness.adminPassword)\n")
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("Logged in to \(stack.baseURL) as admin"), "\(result)")
            let attributes = try FileManager.default.attributesOfItem(atPath: cli.credentialsFile.path)
            #expect(attributes[.posixPermissions] as? Int == 0o600)
            #expect(try FileManager.default.attributesOfItem(atPath: cli.configDirectory.path)[.posixPermissions] as? Int == 0o700)
            let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: cli.credentialsFile)) as? [String: Any]
            #expect(saved?["url"] as? String == stack.baseURL)
            #expect((saved?["credential"] as? String)?.isEmpty == false)

            let agent = APIClient.uniqueAgentName("cli")
            result = try await cli.run(["agents", "add", agent])
            #expect(result.status == 0 && result.stdout.contains("Registered agent \(agent)"), "\(result)")
            result = try await cli.run(["agents", "add", agent])
            #expect(result.status == 5 && result.stderr.contains("HTTP 409"), "a taken name: \(result)")
            result = try await cli.run(["agents", "list"])
            #expect(result.stdout.hasPrefix("NAME"), "\(result)")
            #expect(result.stdout.contains(agent))
            result = try await cli.run(["agents", "list", "--json"])
            #expect(result.array.contains { $0["name"] as? String == agent }, "\(result)")

            result = try await cli.run([
                "schedules", "add", agent, "--name", "daily summary", "--cron", "0 9 * * 1-5", "--tz", "Europe/Berlin", "--message", "Summarise {{date}}", "--json",
            ])
            #expect(result.status == 0, "\(result)")
            let id = try #require(result.object["id"] as? String)
            #expect(result.object["next_run_at"] is String, "next_run_at is set at once")
            #expect(result.object["timezone"] as? String == "Europe/Berlin")

            // The API's validation message, verbatim, with exit status 5.
            let direct = try await stack.admin.request(
                .post, "/api/agents/\(agent)/schedules", json: #"{"name":"bad","message":"x","cron_expression":"61 * * * *"}"#)
            result = try await cli.run(["schedules", "add", agent, "--name", "bad", "--message", "x", "--cron", "61 * * * *"])
            #expect(result.status == 5, "\(result)")
            #expect(result.stderr == "sundial: HTTP 400: \(direct.detail)\n", "\(result)")

            result = try await cli.run(["schedules", "list"])
            #expect(result.stdout.contains(String(id.prefix(8))) && result.stdout.contains("0 9 * * 1-5 Europe/Berlin"), "\(result)")
            result = try await cli.run(["schedules", "edit", String(id.prefix(8)), "--cron", "30 8 * * *", "--set", "max_retries=2", "--description", "d"])
            #expect(result.status == 0, "\(result)")
            result = try await cli.run(["schedules", "edit", id, "--agent", agent, "--unset", "description"])
            #expect(result.status == 0, "\(result)")
            result = try await cli.run(["schedules", "show", id, "--agent", agent, "--json"])
            #expect(result.object["cron_expression"] as? String == "30 8 * * *", "\(result)")
            #expect(result.object["max_retries"] as? Int == 2)
            #expect(result.object["description"] is NSNull, "--unset clears: \(result)")

            result = try await cli.run(["schedules", "disable", id, "--json"])
            #expect(result.object["enabled"] as? Bool == false, "\(result)")
            result = try await cli.run(["schedules", "list", "--enabled", "--json"])
            #expect(!result.array.contains { $0["id"] as? String == id }, "\(result)")
            result = try await cli.run(["schedules", "enable", id])
            #expect(result.status == 0 && result.stdout.contains("Enabled schedule \(id)"), "\(result)")

            result = try await cli.run(["schedules", "show", "00000000-0000-0000-0000-000000000000", "--agent", agent])
            #expect(result.status == 4, "\(result)")
            #expect(result.stderr.contains("HTTP 404: Schedule not found"), "\(result)")
            result = try await cli.run(["schedules", "rm", "ffffffff"])
            #expect(result.status == 4 && result.stderr.contains("no schedule with id ffffffff"), "\(result)")
            result = try await cli.run(["schedules", "add", agent, "--message", "x"])
            #expect(result.status == 64, "no trigger is a usage error: \(result)")

            result = try await cli.run(["schedules", "rm", id])
            #expect(result.status == 0, "\(result)")
            result = try await cli.run(["schedules", "list", "--agent", agent, "--json"])
            #expect(result.array.isEmpty, "\(result)")

            result = try await cli.run(["agents", "remove", agent])
            #expect(result.status == 5 && result.stderr.contains("--yes"), "no terminal to confirm on: \(result)")
            result = try await cli.run(["agents", "remove", agent, "--yes"])
            #expect(result.status == 0, "\(result)")
            result = try await cli.run(["agents", "list", "--json"])
            #expect(!result.array.contains { $0["name"] as? String == agent })

            // A regular user sees no agents of others, and may not read the scheduler status.
            let user = try await stack.newUser("cli-user")
            var other = cli
            other.environment = ["SUNDIAL_API_URL": stack.baseURL, "SUNDIAL_TOKEN": try #require(user.client.token)]
            result = try await other.run(["status", "--json"])
            #expect(result.status == 0, "\(result)")
            #expect((result.object["user"] as? [String: Any])?["username"] as? String == user.name)
            #expect(result.object["scheduler"] == nil)
        }
    }

    @Test("stored credentials that expired, were refused or point nowhere say so with their exit status")
    func credentialProblems() async throws {
        let cli = try CLIProcess.make()
        defer { cli.cleanUp() }
        try await LiveStack.run { stack in
            try FileManager.default.createDirectory(at: cli.configDirectory, withIntermediateDirectories: true)
            func store(url: String, token: String, expires: String?) throws {
                let object: [String: Any] = ["url": url, "credential": token, "kind": "token", "expires_at": expires ?? NSNull()]
                try JSONSerialization.data(withJSONObject: object).write(to: cli.credentialsFile)
            }
            try store(url: stack.baseURL, token: "stale", expires: "2000-01-01T00:00:00Z")
            var result = try await cli.run(["agents", "list"])
            #expect(result.status == 2 && result.stderr.contains("expired"), "\(result)")

            try store(url: stack.baseURL, token: "not-a-token", expires: nil)
            result = try await cli.run(["agents", "list"])
            #expect(result.status == 2 && result.stderr.contains("HTTP 401") && result.stderr.contains("sundial login"), "\(result)")

            result = try await cli.run(["agents", "list", "--url", "http://127.0.0.1:1"])
            #expect(result.status == 6 && result.stderr.contains("cannot reach the Sundial API at http://127.0.0.1:1"), "\(result)")

            // An API key saved with --api-key-stdin works like a login and does not expire.
            let key = try await stack.apiKey(stack.admin)
            result = try await cli.run(["login", "--url", stack.baseURL, "--api-key-stdin"], stdin: key + "\n")
            #expect(result.status == 0, "\(result)")
            result = try await cli.run(["status"])
            #expect(result.status == 0 && result.stdout.contains("logged in as:") && result.stdout.contains("admin"), "\(result)")
            result = try await cli.run(["logout"])
            #expect(result.status == 0 && !FileManager.default.fileExists(atPath: cli.credentialsFile.path), "\(result)")
        }
    }

    @Test("runs: run now and wait, list, show, cancel a running one; status shows the scheduler")
    func runs() async throws {
        let cli = try CLIProcess.make()
        defer { cli.cleanUp() }
        let transport = RecordingTransport(delay: .seconds(2))
        try await LiveStack.run(scheduler: transport) { stack in
            var result = try await cli.run(["login", "--url", stack.baseURL, "-u", "admin", "--password-stdin"], stdin: "\(APITestHarness.adminPassword)\n")
            #expect(result.status == 0, "\(result)")
            let agent = try await stack.agent(stack.admin, "cli-run")
            result = try await cli.run(["schedules", "add", agent, "--every", "1h", "--message", "hello from the cli", "--json"])
            let id = try #require(result.object["id"] as? String, "\(result)")

            result = try await cli.run(["schedules", "run", id, "--wait", "--json"])
            #expect(result.status == 0, "\(result)")
            #expect(result.object["status"] as? String == "success")
            #expect(result.object["response"] as? String == "done: hello from the cli")
            let runID = try #require(result.object["id"] as? String)
            #expect(transport.executionIDs.contains(runID), "the agent was called with Sundial's execution id")

            result = try await cli.run(["runs", "list", "--agent", agent])
            #expect(result.stdout.contains(String(runID.prefix(8))) && result.stdout.contains("success") && result.stdout.contains("manual"), "\(result)")
            result = try await cli.run(["runs", "show", String(runID.prefix(8))])
            #expect(result.status == 0 && result.stdout.contains("done: hello from the cli"), "\(result)")
            result = try await cli.run(["runs", "cancel", runID, "--agent", agent])
            #expect(result.status == 0 && result.stdout.contains("already finished"), "\(result)")
            result = try await cli.run(["runs", "show", "00000000-0000-0000-0000-000000000000"])
            #expect(result.status == 4, "\(result)")

            // A run cancelled while it is queued or in progress ends cancelled.
            result = try await cli.run(["schedules", "run", id, "--json"])
            let second = try #require(result.object["execution_id"] as? String, "\(result)")
            result = try await cli.run(["runs", "cancel", second])
            #expect(result.status == 0 && result.stdout.contains("Cancelled run \(second)"), "\(result)")
            result = try await cli.run(["runs", "show", second, "--agent", agent, "--json"])
            #expect(result.object["status"] as? String == "cancelled", "\(result)")

            result = try await cli.run(["status"])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("scheduler:") && result.stdout.contains("replica"), "\(result)")
        }
    }
}

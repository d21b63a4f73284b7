import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Notifications and destinations end to end: API → scheduler → reference agent over HTTP →
/// `deliveries` outbox (filled by the trigger) → delivery worker → a webhook receiver that
/// checks the HMAC signature the way a user's receiver would.
@Suite("Notifications and result delivery end to end", .enabled(if: TestEnvironment.available), .serialized)
struct DeliveryIntegrationTests {
    static let globalSecret = "global-webhook-secret-0123456789"

    /// Recomputes `sha256=hex(HMAC-SHA256(secret, timestamp + "." + body))` independently of the scheduler's code.
    static func verify(_ call: WebhookReceiver.Call, secret: String) -> Bool {
        guard let timestamp = call.headers["x-sundial-timestamp"], let signature = call.headers["x-sundial-signature"] else { return false }
        let code = HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).\(call.body)".utf8), using: SymmetricKey(data: Array(secret.utf8)))
        let expected = "sha256=" + code.map { String(format: "%02x", $0) }.joined()
        guard let sent = Double(timestamp), abs(sent - Date().timeIntervalSince1970) < 300 else { return false }
        return expected == signature
    }

    static func replicaEnvironment(_ receiverURL: String) -> [String: String] {
        [
            "SUNDIAL_WEBHOOK_SECRET": globalSecret, "SUNDIAL_DELIVERY_RETRY_BASE": "300ms", "SUNDIAL_DELIVERY_MAX_ATTEMPTS": "3",
            "SUNDIAL_GATEWAY_URL": "\(receiverURL)/gateway",
        ]
    }

    static func schedule(_ client: APIClient, agent: String, _ fields: String) async throws -> String {
        let created = try await client.request(
            .post, "/api/agents/\(agent)/schedules", json: #"{"cron_expression":"0 0 1 1 *","enabled":false,\#(fields)}"#)
        #expect(created.status == .created, "\(created.body)")
        return try #require(created.object["id"] as? String)
    }

    static func trigger(_ client: APIClient, agent: String, _ schedule: String) async throws -> String {
        let answer = try await client.request(.post, "/api/agents/\(agent)/schedules/\(schedule)/trigger")
        #expect(answer.status == .ok, "\(answer.body)")
        return try #require(answer.object["execution_id"] as? String)
    }

    static func finished(_ client: APIClient, agent: String, _ execution: String) async throws -> [String: Any] {
        var last: [String: Any] = [:]
        await FeatureHarness.eventually(timeout: .seconds(15)) {
            last = (try? await client.request(.get, "/api/agents/\(agent)/executions/\(execution)").object) ?? [:]
            return ["success", "failed", "cancelled"].contains(last["status"] as? String ?? "")
        }
        return last
    }

    @Test("notify policies, agent-level webhook, owner and global HMAC secrets, retries with backoff, recorded attempts; deliveries never touch the run")
    func notifications() async throws {
        try await FeatureHarness.withServers { stubURL, receiver, receiverURL in
            let replica = try await FeatureHarness.startReplica("it-notify", extra: Self.replicaEnvironment(receiverURL))
            let harness = try await APITestHarness.make()
            try await harness.run { anonymous in
                let admin = try await anonymous.login()
                let rotated = try await admin.request(.post, "/api/users/me/webhook-secret")
                #expect(rotated.status == .created)
                let ownerSecret = try #require(rotated.object["webhook_secret"] as? String)
                #expect(try await admin.request(.get, "/api/users/me/webhook-secret").object["configured"] as? Bool == true)

                let agent = APIClient.uniqueAgentName("notify")
                let flaky = "/flaky-\(agent)"
                let registered = try await admin.request(
                    .post, "/api/agents", json: #"{"name":"\#(agent)","endpoint_url":"\#(stubURL)/agents/\#(agent)","notify_webhook_url":"\#(receiverURL)\#(flaky)"}"#)
                #expect(registered.object["notify_webhook_url"] as? String == "\(receiverURL)\(flaky)")

                // always → the agent's webhook (first answer 500: retried after the backoff).
                let always = try await Self.schedule(admin, agent: agent, #""name":"always","message":"report","notify":"always""#)
                // failure + its own webhook: a failing run notifies, a successful one does not.
                let failing = try await Self.schedule(
                    admin, agent: agent, #""name":"failing","message":"[fail] report","notify":"failure","notify_webhook_url":"\#(receiverURL)/fail-\#(agent)""#)
                let quiet = try await Self.schedule(
                    admin, agent: agent, #""name":"quiet","message":"fine","notify":"failure","notify_webhook_url":"\#(receiverURL)/quiet-\#(agent)""#)
                // A receiver that is always down: given up after 3 attempts.
                let down = try await Self.schedule(
                    admin, agent: agent, #""name":"down","message":"fine","notify":"always","notify_webhook_url":"\#(receiverURL)/down-\#(agent)""#)

                let alwaysRun = try await Self.trigger(admin, agent: agent, always)
                let failingRun = try await Self.trigger(admin, agent: agent, failing)
                let quietRun = try await Self.trigger(admin, agent: agent, quiet)
                let downRun = try await Self.trigger(admin, agent: agent, down)
                #expect(try await Self.finished(admin, agent: agent, alwaysRun)["status"] as? String == "success")
                #expect(try await Self.finished(admin, agent: agent, failingRun)["status"] as? String == "failed")
                #expect(try await Self.finished(admin, agent: agent, quietRun)["status"] as? String == "success")

                #expect(await FeatureHarness.eventually { receiver.calls(to: flaky).count == 2 }, "retried after the 500: \(receiver.calls(to: flaky).count)")
                let alwaysCalls = receiver.calls(to: flaky)
                for call in alwaysCalls {
                    #expect(Self.verify(call, secret: ownerSecret), "owner's secret signs: \(call.headers)")
                    #expect(!Self.verify(call, secret: Self.globalSecret))
                    #expect(call.headers["content-type"] == "application/json")
                    #expect(call.headers["x-sundial-event"] == "execution_finished")
                }
                #expect(alwaysCalls.map { $0.headers["x-sundial-attempt"] } == ["1", "2"])
                let payload = try #require(alwaysCalls.last?.json)
                #expect(payload["type"] as? String == "execution_finished")
                #expect(payload["execution_id"] as? String == alwaysRun)
                #expect(payload["schedule_id"] as? String == always)
                #expect(payload["schedule_name"] as? String == "always")
                #expect(payload["agent_name"] as? String == agent)
                #expect(payload["status"] as? String == "success")
                #expect(payload["response"] as? String == "[\(agent)] done: report")
                #expect(payload["delivery_id"] is String)

                // The receiver has answered; the worker records the attempt right after.
                #expect(await FeatureHarness.eventually {
                    (try? await admin.request(.get, "/api/agents/\(agent)/executions/\(alwaysRun)/notifications").array.first?["status"] as? String) == "delivered"
                })
                let notifications = try await admin.request(.get, "/api/agents/\(agent)/executions/\(alwaysRun)/notifications")
                #expect(notifications.status == .ok)
                let delivery = try #require(notifications.array.first)
                #expect(notifications.array.count == 1)
                #expect(delivery["status"] as? String == "delivered")
                #expect(delivery["kind"] as? String == "notify")
                #expect(delivery["attempts"] as? Int == 2)
                let log = delivery["attempt_log"] as? [[String: Any]] ?? []
                #expect(log.compactMap { $0["status_code"] as? Int } == [500, 200])
                let first = (log.first?["started_at"] as? String).flatMap(ISO8601DateFormatter.withFractions.date(from:))
                let second = (log.last?["started_at"] as? String).flatMap(ISO8601DateFormatter.withFractions.date(from:))
                if let first, let second { #expect(second.timeIntervalSince(first) >= 0.25, "backoff between attempts") }

                #expect(await FeatureHarness.eventually { receiver.calls(to: "/fail-\(agent)").count == 1 })
                let failure = try #require(receiver.calls(to: "/fail-\(agent)").first)
                #expect(Self.verify(failure, secret: ownerSecret))
                #expect(failure.json["status"] as? String == "failed")
                #expect((failure.json["error"] as? String)?.contains("500") == true)

                #expect(await FeatureHarness.eventually { receiver.calls(to: "/down-\(agent)").count == 3 })
                #expect(await FeatureHarness.eventually {
                    (try? await admin.request(.get, "/api/agents/\(agent)/executions/\(downRun)/notifications").array.first?["status"] as? String) == "failed"
                })
                let gaveUp = try #require(try await admin.request(.get, "/api/agents/\(agent)/executions/\(downRun)/notifications").array.first)
                #expect(gaveUp["attempts"] as? Int == 3)
                #expect((gaveUp["last_error"] as? String)?.contains("503") == true)
                #expect((gaveUp["attempt_log"] as? [Any])?.count == 3)
                let run = try await admin.request(.get, "/api/agents/\(agent)/executions/\(downRun)")
                #expect(run.object["status"] as? String == "success", "a failed delivery leaves the execution as it was")
                try await Task.sleep(for: .milliseconds(500))
                #expect(receiver.calls(to: "/quiet-\(agent)").isEmpty, "notify failure: a successful run sends nothing")
                #expect(try await admin.request(.get, "/api/agents/\(agent)/executions/\(quietRun)/notifications").array.isEmpty)

                // A user without a secret of their own: signed with SUNDIAL_WEBHOOK_SECRET.
                let user = try await admin.newUser("notify")
                let theirs = APIClient.uniqueAgentName("notify-user")
                _ = try await user.request(.post, "/api/agents", json: #"{"name":"\#(theirs)","endpoint_url":"\#(stubURL)/agents/\#(theirs)"}"#)
                let global = try await Self.schedule(
                    user, agent: theirs, #""name":"g","message":"hi","notify":"always","notify_webhook_url":"\#(receiverURL)/global-\#(theirs)""#)
                _ = try await Self.trigger(user, agent: theirs, global)
                #expect(await FeatureHarness.eventually { receiver.calls(to: "/global-\(theirs)").count == 1 })
                if let call = receiver.calls(to: "/global-\(theirs)").first {
                    #expect(Self.verify(call, secret: Self.globalSecret))
                }
                // Another user cannot read this agent's deliveries.
                #expect(try await user.request(.get, "/api/agents/\(agent)/executions/\(alwaysRun)/notifications").status == .notFound)
            }
            await SchedulerIntegrationTests.stop([replica])
        }
    }

    @Test("destinations: the agent's answer goes to a webhook or the chat gateway after each successful run")
    func destinations() async throws {
        try await FeatureHarness.withServers { stubURL, receiver, receiverURL in
            let replica = try await FeatureHarness.startReplica("it-dest", extra: Self.replicaEnvironment(receiverURL))
            let harness = try await APITestHarness.make()
            try await harness.run { anonymous in
                let admin = try await anonymous.login()
                let agent = APIClient.uniqueAgentName("dest")
                _ = try await admin.request(.post, "/api/agents", json: #"{"name":"\#(agent)","endpoint_url":"\#(stubURL)/agents/\#(agent)"}"#)
                let webhook = try await Self.schedule(
                    admin, agent: agent, #""name":"digest","message":"daily digest","notify":"never","destination":{"kind":"webhook","url":"\#(receiverURL)/answer-\#(agent)"}"#)
                let chat = try await Self.schedule(
                    admin, agent: agent, #""name":"chat","message":"hello chat","notify":"never","destination":{"kind":"gateway","gateway":"telegram","chat_id":42}"#)
                let broken = try await Self.schedule(
                    admin, agent: agent, #""name":"broken","message":"[fail]","notify":"never","destination":{"kind":"webhook","url":"\#(receiverURL)/never-\#(agent)"}"#)

                let first = try await Self.trigger(admin, agent: agent, webhook)
                _ = try await Self.finished(admin, agent: agent, first)
                let second = try await Self.trigger(admin, agent: agent, webhook)
                _ = try await Self.finished(admin, agent: agent, second)
                let chatRun = try await Self.trigger(admin, agent: agent, chat)
                let brokenRun = try await Self.trigger(admin, agent: agent, broken)
                _ = try await Self.finished(admin, agent: agent, brokenRun)

                #expect(await FeatureHarness.eventually { receiver.calls(to: "/answer-\(agent)").count == 2 }, "one answer per run")
                let answers = receiver.calls(to: "/answer-\(agent)")
                #expect(Set(answers.compactMap { $0.json["execution_id"] as? String }) == [first, second])
                for answer in answers {
                    #expect(answer.json["type"] as? String == "agent_answer")
                    #expect(answer.json["response"] as? String == "[\(agent)] done: daily digest")
                    #expect(answer.headers["x-sundial-signature"] != nil)
                }

                #expect(await FeatureHarness.eventually {
                    receiver.calls(to: "/gateway").contains { $0.json["execution_id"] as? String == chatRun }
                })
                let gateway = try #require(receiver.calls(to: "/gateway").first { $0.json["execution_id"] as? String == chatRun })
                #expect(gateway.json["chat_id"] as? Int == 42)
                #expect(gateway.json["gateway"] as? String == "telegram")
                #expect(gateway.json["text"] as? String == "[\(agent)] done: hello chat")
                #expect(gateway.json["schedule_name"] as? String == "chat")
                await FeatureHarness.eventually {
                    (try? await admin.request(.get, "/api/agents/\(agent)/executions/\(chatRun)/notifications").array.first?["status"] as? String) == "delivered"
                }
                let recorded = try await admin.request(.get, "/api/agents/\(agent)/executions/\(chatRun)/notifications").array
                #expect(recorded.first?["kind"] as? String == "destination")
                #expect(recorded.first?["target"] as? String == "gateway")
                #expect(recorded.first?["status"] as? String == "delivered")

                try await Task.sleep(for: .milliseconds(500))
                #expect(receiver.calls(to: "/never-\(agent)").isEmpty, "a failed run has no answer to deliver")
            }
            await SchedulerIntegrationTests.stop([replica])
        }
    }
}

extension ISO8601DateFormatter {
    nonisolated(unsafe) static let withFractions: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
}

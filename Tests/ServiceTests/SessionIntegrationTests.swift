import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Conversations end to end: runs with the same `session_key` continue one agent session (the
/// scheduler sends the previous run's session_id to the reference agent, which counts turns)
/// and never run at once — for manual triggers and for occurrences the scheduler fires itself.
@Suite("Sessions: session_key conversations end to end", .enabled(if: TestEnvironment.available), .serialized)
struct SessionIntegrationTests {
    static func instant(_ value: Any?) -> Date? {
        (value as? String).flatMap(ISO8601DateFormatter.withFractions.date(from:))
    }

    @Test("same key and agent: one session continued turn after turn, never two turns at once; sessions are listed")
    func conversations() async throws {
        try await FeatureHarness.withServers { stubURL, _, _ in
            let replica = try await FeatureHarness.startReplica("it-session")
            let harness = try await APITestHarness.make()
            try await harness.run { anonymous in
                let admin = try await anonymous.login()
                let agent = APIClient.uniqueAgentName("session")
                _ = try await admin.request(.post, "/api/agents", json: #"{"name":"\#(agent)","endpoint_url":"\#(stubURL)/agents/\#(agent)"}"#)
                let base = "/api/agents/\(agent)/schedules"
                func schedule(_ name: String, _ message: String, key: String?) async throws -> String {
                    let keyField = key.map { #","session_key":"\#($0)""# } ?? ""
                    let created = try await admin.request(
                        .post, base, json: #"{"name":"\#(name)","message":"\#(message)","cron_expression":"0 0 1 1 *","enabled":false,"overlap":"allow"\#(keyField)}"#)
                    return try #require(created.object["id"] as? String, "\(created.body)")
                }
                func trigger(_ id: String) async throws -> String {
                    let answer = try await admin.request(.post, "\(base)/\(id)/trigger")
                    return try #require(answer.object["execution_id"] as? String, "\(answer.body)")
                }
                func execution(_ id: String) async throws -> [String: Any] {
                    var last: [String: Any] = [:]
                    await FeatureHarness.eventually(timeout: .seconds(15)) {
                        last = (try? await admin.request(.get, "/api/agents/\(agent)/executions/\(id)").object) ?? [:]
                        return ["success", "failed"].contains(last["status"] as? String ?? "")
                    }
                    return last
                }

                let slow = try await schedule("standup-slow", "[sleep:1200] first", key: "standup")
                let quick = try await schedule("standup-quick", "second", key: "standup")
                let other = try await schedule("other", "[sleep:300] elsewhere", key: "other-topic")

                // Manual triggers, back to back: the second turn waits for the first.
                let first = try await trigger(slow)
                try await Task.sleep(for: .milliseconds(200))
                let second = try await trigger(quick)
                let parallel = try await trigger(other)
                let one = try await execution(first)
                let two = try await execution(second)
                let elsewhere = try await execution(parallel)
                #expect(one["status"] as? String == "success")
                #expect(two["status"] as? String == "success")
                let session = try #require(one["session_id"] as? String)
                #expect(two["session_id"] as? String == session, "the second turn continues the first one's session")
                #expect(one["session_key"] as? String == "standup")
                #expect((two["response"] as? String)?.hasSuffix("(turn 2 of this session)") == true, "\(two["response"] ?? "nil")")
                let firstDone = try #require(Self.instant(one["completed_at"]))
                let secondStart = try #require(Self.instant(two["started_at"]))
                #expect(secondStart >= firstDone, "never two turns at once: second started \(secondStart), first ended \(firstDone)")
                // Another key is another conversation, and it is not held back.
                #expect(elsewhere["session_id"] as? String != session)
                let otherStart = try #require(Self.instant(elsewhere["started_at"]))
                #expect(otherStart < firstDone, "a different key runs alongside")

                // Occurrences the scheduler fires itself: two one-time schedules due at the same instant.
                let due = Date().addingTimeInterval(2.5)
                let dueText = ISO8601DateFormatter().string(from: due)
                var fired: [String] = []
                for name in ["standup-a", "standup-b"] {
                    let created = try await admin.request(
                        .post, base, json: #"{"name":"\#(name)","message":"[sleep:700] \#(name)","run_at":"\#(dueText)","session_key":"standup"}"#)
                    fired.append(try #require(created.object["id"] as? String, "\(created.body)"))
                }
                var runs: [[String: Any]] = []
                #expect(await FeatureHarness.eventually(timeout: .seconds(15)) {
                    runs = []
                    for id in fired {
                        let list = (try? await admin.request(.get, "\(base)/\(id)/executions").array) ?? []
                        if let run = list.first, run["status"] as? String == "success" { runs.append(run) }
                    }
                    return runs.count == 2
                })
                if runs.count == 2 {
                    #expect(runs.allSatisfy { $0["session_id"] as? String == session })
                    // In turn order (the agent numbers the turns): API instants have whole seconds, so
                    // two runs started within one second cannot be ordered by started_at.
                    func turn(_ run: [String: Any]) -> Int {
                        Int((run["response"] as? String)?.components(separatedBy: "(turn ").last?.prefix { $0.isNumber } ?? "") ?? 0
                    }
                    let ordered = runs.sorted { turn($0) < turn($1) }
                    let end = try #require(Self.instant(ordered[0]["completed_at"]))
                    let start = try #require(Self.instant(ordered[1]["started_at"]))
                    #expect(start >= end, "scheduled turns of one conversation do not overlap")
                    let turns = Set(ordered.compactMap { ($0["response"] as? String)?.components(separatedBy: "(turn ").last })
                    #expect(turns == ["3 of this session)", "4 of this session)"], "\(turns)")
                }

                // The session's runs, newest first; the agent's sessions.
                let listed = try await admin.request(.get, "/api/agents/\(agent)/sessions/\(session)/executions")
                #expect(listed.status == .ok)
                #expect(listed.array.count == 4)
                #expect(Set(listed.array.compactMap { $0["session_id"] as? String }) == [session])
                let sessions = try await admin.request(.get, "/api/agents/\(agent)/sessions").array
                let standup = try #require(sessions.first { $0["session_id"] as? String == session })
                #expect(standup["runs"] as? Int == 4)
                #expect(standup["session_key"] as? String == "standup")
                #expect(sessions.count == 2)
                #expect(try await admin.request(.get, "/api/agents/\(agent)/sessions/no-such-session/executions").status == .notFound)
                let stranger = try await admin.newUser("session")
                #expect(try await stranger.request(.get, "/api/agents/\(agent)/sessions/\(session)/executions").status == .notFound)
            }
            await SchedulerIntegrationTests.stop([replica])
        }
    }
}

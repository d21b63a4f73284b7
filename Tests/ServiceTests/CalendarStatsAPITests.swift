import Foundation
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// Dashboard data: the calendar of upcoming occurrences grouped by local day, and run statistics.
@Suite("Calendar and stats API", .enabled(if: TestEnvironment.available), .serialized)
struct CalendarStatsAPITests {
    static let now = ISO8601DateFormatter().date(from: "2030-03-30T12:00:00Z")!

    @Test("upcoming grouped by local day in tz (across a DST change), days=N window; the flat list is unchanged")
    func calendar() async throws {
        let harness = try await APITestHarness.make(now: { Self.now })
        try await harness.run(now: { Self.now }) { anonymous in
            let admin = try await anonymous.login()
            let agent = APIClient.uniqueAgentName("calendar")
            _ = try await admin.request(.post, "/api/agents", json: #"{"name":"\#(agent)"}"#)
            let base = "/api/agents/\(agent)/schedules"
            _ = try await admin.request(.post, base, json: #"{"name":"berlin","message":"m","timezone":"Europe/Berlin","preset":{"kind":"daily","time":"09:00"}}"#)
            _ = try await admin.request(.post, base, json: #"{"name":"new york","message":"m","timezone":"America/New_York","preset":{"kind":"daily","time":"09:00"}}"#)

            let grouped = try await admin.request(.get, "/api/schedules/upcoming?agent=\(agent)&group=day&tz=Europe/Berlin&days=3")
            #expect(grouped.status == .ok, "\(grouped.body)")
            #expect(grouped.object["timezone"] as? String == "Europe/Berlin")
            let days = grouped.object["days"] as? [[String: Any]] ?? []
            #expect(days.compactMap { $0["date"] as? String } == ["2030-03-30", "2030-03-31", "2030-04-01"])
            #expect(days.compactMap { $0["weekday"] as? String } == ["Saturday", "Sunday", "Monday"])
            func entries(_ day: Int) -> [(String, String, String)] {
                (days[day]["occurrences"] as? [[String: Any]] ?? []).map {
                    ($0["name"] as? String ?? "", $0["at"] as? String ?? "", $0["local_time"] as? String ?? "")
                }
            }
            // Saturday: Berlin's 09:00 has passed at 12:00Z; New York's 09:00 EDT is 15:00 in Berlin.
            #expect(entries(0).map(\.0) == ["new york"])
            #expect(entries(0).first?.2 == "14:00")
            // Sunday: Berlin springs forward; its 09:00 is now 07:00Z, New York's 09:00 is 15:00 CEST.
            #expect(entries(1).map(\.0) == ["berlin", "new york"])
            #expect(entries(1).map(\.1) == ["2030-03-31T07:00:00Z", "2030-03-31T13:00:00Z"])
            #expect(entries(1).map(\.2) == ["09:00", "15:00"])
            #expect(grouped.object["count"] as? Int == 5)
            #expect(grouped.object["to"] as? String == "2030-04-01T22:00:00Z", "three local days, the second 23 hours long")

            let flat = try await admin.request(.get, "/api/schedules/upcoming?agent=\(agent)&to=2030-04-01T22:00:00Z")
            #expect(flat.array.count == 5)
            #expect(flat.array.first?["name"] as? String == "new york")
            #expect(try await admin.request(.get, "/api/schedules/upcoming?group=week").status == .badRequest)
            #expect(try await admin.request(.get, "/api/schedules/upcoming?group=day&tz=Mars/Base").status == .badRequest)
            #expect(try await admin.request(.get, "/api/schedules/upcoming?group=day&days=0").status == .badRequest)
        }
    }

    @Test("stats: runs, outcomes, success rate, p50/p95 duration and cost, per agent and per local day")
    func stats() async throws {
        let harness = try await APITestHarness.make()
        let pool = harness.resources.pool
        try await harness.run { anonymous in
            let admin = try await anonymous.login()
            let user = try await admin.newUser("stats")
            let agentA = APIClient.uniqueAgentName("stats-a")
            let agentB = APIClient.uniqueAgentName("stats-b")
            for agent in [agentA, agentB] { _ = try await user.request(.post, "/api/agents", json: #"{"name":"\#(agent)"}"#) }
            // agent A: 10 runs on 2031-01-10 (UTC) with durations 100…1000 ms, one failed, cost 0.01 each;
            // agent B: a success at 23:30Z on the 10th (the 11th in Berlin), a cancelled run, a skipped occurrence.
            for index in 1...10 {
                try await pool.execute(
                    """
                    INSERT INTO executions (agent_name, triggered_by, status, message, created_at, started_at, completed_at, duration_ms, cost)
                    VALUES ($1, 'manual', $2, 'm', $3, $3, $3, $4, 0.01)
                    """, .text(agentA), .text(index == 10 ? "failed" : "success"),
                    .timestamp(ISO8601DateFormatter().date(from: "2031-01-10T10:00:\(String(format: "%02d", index))Z")!), .int(index * 100))
            }
            try await pool.execute(
                """
                INSERT INTO executions (agent_name, triggered_by, status, message, created_at, started_at, duration_ms, cost, skip_reason)
                VALUES ($1, 'manual', 'success', 'm', '2031-01-10T23:30:00Z', '2031-01-10T23:30:00Z', 5000, 0.5, NULL),
                       ($1, 'manual', 'cancelled', 'm', '2031-01-10T12:00:00Z', NULL, NULL, NULL, NULL),
                       ($1, 'schedule', 'skipped', 'm', '2031-01-10T12:00:00Z', NULL, NULL, NULL, 'overlap')
                """, .text(agentB))

            let answer = try await user.request(.get, "/api/stats?from=2031-01-10T00:00:00Z&to=2031-01-12T00:00:00Z&tz=Europe/Berlin")
            #expect(answer.status == .ok, "\(answer.body)")
            let totals = try #require(answer.object["totals"] as? [String: Any])
            #expect(totals["runs"] as? Int == 12)
            #expect(totals["success"] as? Int == 10)
            #expect(totals["failed"] as? Int == 1)
            #expect(totals["cancelled"] as? Int == 1)
            #expect(totals["skipped"] as? Int == 1)
            #expect(totals["success_rate"] as? Double == 0.9091)
            #expect(abs((totals["cost"] as? Double ?? 0) - 0.6) < 1e-9)
            let agents = answer.object["agents"] as? [[String: Any]] ?? []
            #expect(agents.compactMap { $0["agent_name"] as? String } == [agentA, agentB])
            let a = try #require(agents.first)
            #expect(a["runs"] as? Int == 10)
            #expect(a["success_rate"] as? Double == 0.9)
            #expect(a["p50_duration_ms"] as? Int == 550)
            #expect(a["p95_duration_ms"] as? Int == 955)
            let days = answer.object["days"] as? [[String: Any]] ?? []
            #expect(days.compactMap { $0["date"] as? String } == ["2031-01-10", "2031-01-11"], "23:30Z is the 11th in Berlin")
            #expect(days.last?["runs"] as? Int == 1)
            #expect(days.last?["p50_duration_ms"] as? Int == 5000)

            let onlyB = try await user.request(.get, "/api/stats?from=2031-01-10T00:00:00Z&to=2031-01-12T00:00:00Z&agent=\(agentB)")
            #expect((onlyB.object["totals"] as? [String: Any])?["runs"] as? Int == 2)
            #expect((onlyB.object["days"] as? [[String: Any]])?.compactMap { $0["date"] as? String } == ["2031-01-10"], "UTC days by default")
            // Another user sees none of it; an empty window has null percentiles.
            let stranger = try await admin.newUser("stats-other")
            let none = try await stranger.request(.get, "/api/stats?from=2031-01-10T00:00:00Z&to=2031-01-12T00:00:00Z")
            #expect((none.object["totals"] as? [String: Any])?["runs"] as? Int == 0)
            #expect((none.object["totals"] as? [String: Any])?["p50_duration_ms"] is NSNull)
            #expect((none.object["totals"] as? [String: Any])?["success_rate"] is NSNull)
            #expect(try await user.request(.get, "/api/stats?from=2031-01-12T00:00:00Z&to=2031-01-10T00:00:00Z").status == .badRequest)
            #expect(try await user.request(.get, "/api/stats?tz=Nowhere").status == .badRequest)
        }
    }
}

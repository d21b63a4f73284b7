import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Presets, `run_at_local`, descriptions and the derived status filter through the real API.
@Suite("Schedule presets and status API", .enabled(if: TestEnvironment.available), .serialized)
struct SchedulePresetAPITests {
    @Test("presets and run_at_local are stored as cron / run_at and shown back with a description")
    func presets() async throws {
        let harness = try await APITestHarness.make()
        try await harness.run { anonymous in
            let admin = try await anonymous.login()
            let agent = APIClient.uniqueAgentName("preset")
            _ = try await admin.request(.post, "/api/agents", json: #"{"name":"\#(agent)"}"#)
            let base = "/api/agents/\(agent)/schedules"

            let weekdays = try await admin.request(.post, base, json: #"{"name":"standup","message":"m","timezone":"Europe/Berlin","preset":{"kind":"weekdays","time":"09:00"}}"#)
            #expect(weekdays.status == .created, "\(weekdays.body)")
            #expect(weekdays.object["cron_expression"] as? String == "0 9 * * 1-5")
            #expect(weekdays.object["trigger"] as? String == "cron")
            #expect(weekdays.object["cron_description"] as? String == "At 09:00, Monday through Friday")
            #expect(weekdays.object["status"] as? String == "recurring")
            #expect(weekdays.object["run_at_local"] is NSNull)

            let monthly = try await admin.request(.post, base, json: #"{"name":"rent","message":"m","preset":{"kind":"monthly","day":1,"time":"08:30"}}"#)
            #expect(monthly.object["cron_expression"] as? String == "30 8 1 * *")
            let weekly = try await admin.request(.post, base, json: #"{"name":"review","message":"m","preset":{"kind":"weekly","day":"friday","time":"16:00"}}"#)
            #expect(weekly.object["cron_expression"] as? String == "0 16 * * 5")

            let once = try await admin.request(.post, base, json: #"{"name":"reminder","message":"m","timezone":"Europe/Berlin","run_at_local":"2030-12-01T14:00"}"#)
            #expect(once.status == .created, "\(once.body)")
            #expect(once.object["trigger"] as? String == "once")
            #expect(once.object["run_at"] as? String == "2030-12-01T13:00:00Z")
            #expect(once.object["run_at_local"] as? String == "2030-12-01T14:00")
            #expect(once.object["next_run_at"] as? String == "2030-12-01T13:00:00Z")
            #expect(once.object["cron_description"] as? String == "Once, on 2030-12-01 at 14:00")
            #expect(once.object["status"] as? String == "pending")
            let onceID = try #require(once.object["id"] as? String)

            // A GET body sent back unchanged (run_at and run_at_local together) is accepted.
            let fetched = try await admin.request(.get, "\(base)/\(onceID)")
            #expect(try await admin.request(.put, "\(base)/\(onceID)", json: fetched.body).status == .ok)
            // Moving it by local time keeps the zone; the description follows.
            let moved = try await admin.request(.put, "\(base)/\(onceID)", json: #"{"run_at_local":"2030-07-01T14:00"}"#)
            #expect(moved.object["run_at"] as? String == "2030-07-01T12:00:00Z", "summer time: \(moved.body)")
            // A preset turns it into a recurring schedule.
            let recurring = try await admin.request(.put, "\(base)/\(onceID)", json: #"{"preset":{"kind":"daily","time":"07:15"}}"#)
            #expect(recurring.object["trigger"] as? String == "cron")
            #expect(recurring.object["cron_expression"] as? String == "15 7 * * *")
            #expect(recurring.object["run_at"] is NSNull)

            let interval = try await admin.request(.post, base, json: #"{"name":"inbox","message":"m","interval_seconds":900}"#)
            #expect(interval.object["cron_description"] as? String == "Every 15 minutes")

            // Refusals name the field.
            let cases: [(String, HTTPResponse.Status, String)] = [
                (#"{"name":"x","message":"m","preset":{"kind":"weekly","time":"09:00"}}"#, .badRequest, "preset.day"),
                (#"{"name":"x","message":"m","preset":{"kind":"daily","time":"9am"}}"#, .badRequest, "preset.time"),
                (#"{"name":"x","message":"m","preset":{"kind":"yearly","time":"09:00"}}"#, .unprocessableContent, "preset.kind"),
                (#"{"name":"x","message":"m","preset":{"kind":"daily","time":"09:00","tz":"x"}}"#, .unprocessableContent, "preset.tz"),
                (#"{"name":"x","message":"m","preset":{"kind":"daily","time":"09:00"},"interval_seconds":600}"#, .badRequest, "exactly one"),
                (#"{"name":"x","message":"m","preset":{"kind":"daily","time":"09:00"},"cron_expression":"0 8 * * *"}"#, .badRequest, "preset"),
                (#"{"name":"x","message":"m","run_at_local":"2030-12-01T14:00Z"}"#, .badRequest, "run_at_local"),
                (#"{"name":"x","message":"m","run_at_local":"2030-12-01T14:00","run_at":"2030-12-01T15:00:00Z"}"#, .badRequest, "run_at_local"),
                (#"{"name":"x","message":"m","run_at_local":"2030-12-01T14:00","timezone":"Mars/Base"}"#, .badRequest, "timezone"),
                (#"{"name":"x","message":"m","run_at_local":"2001-12-01T14:00"}"#, .badRequest, "past"),
            ]
            for (body, status, mention) in cases {
                let answer = try await admin.request(.post, base, json: body)
                #expect(answer.status == status, "\(body) → \(answer.status) \(answer.body)")
                #expect(answer.detail.contains(mention), "\(body) → \(answer.detail)")
            }
        }
    }

    @Test("status filter on schedule lists: pending, recurring, completed, paused")
    func statusFilter() async throws {
        let harness = try await APITestHarness.make()
        try await harness.run { anonymous in
            let admin = try await anonymous.login()
            let agent = APIClient.uniqueAgentName("status")
            _ = try await admin.request(.post, "/api/agents", json: #"{"name":"\#(agent)"}"#)
            let base = "/api/agents/\(agent)/schedules"
            _ = try await admin.request(.post, base, json: #"{"name":"later","message":"m","run_at":"2031-01-01T00:00:00Z"}"#)
            _ = try await admin.request(.post, base, json: #"{"name":"daily","message":"m","preset":{"kind":"daily","time":"06:00"}}"#)
            let off = try await admin.request(.post, base, json: #"{"name":"off","message":"m","cron_expression":"0 1 * * *","enabled":false}"#)
            #expect(off.object["status"] as? String == "paused")
            // A one-time schedule that ran is completed.
            let done = try await admin.request(.post, base, json: #"{"name":"done","message":"m","run_at":"2031-01-01T00:00:00Z"}"#)
            let doneID = try #require(done.object["id"] as? String)
            try await harness.resources.pool.execute(
                "UPDATE schedules SET enabled = false, last_run_at = now(), run_count = 1 WHERE id = $1::uuid", .text(doneID))

            func names(_ query: String) async throws -> [String] {
                try await admin.request(.get, "/api/schedules?agent=\(agent)&\(query)").array.compactMap { $0["name"] as? String }.sorted()
            }
            #expect(try await names("status=pending") == ["later"])
            #expect(try await names("status=recurring") == ["daily"])
            #expect(try await names("status=completed") == ["done"])
            #expect(try await names("status=paused") == ["off"])
            #expect(try await names("status=completed,paused") == ["done", "off"])
            let perAgent = try await admin.request(.get, "\(base)?status=recurring").array.compactMap { $0["name"] as? String }
            #expect(perAgent == ["daily"])
            let bad = try await admin.request(.get, "/api/schedules?status=sleeping")
            #expect(bad.status == .badRequest)
            #expect(bad.detail.contains("status"))
        }
    }
}

import Foundation
import HTTPTypes
import Postgres
import Testing

/// Conformance scenarios for the agent-scheduling features: presets, agent settings,
/// notifications and webhook secrets, sessions, make-repeatable, tasks, stats, activities.
extension Scenarios {
    func features(admin: String, user: (name: String, token: String), agent: String, schedules: Schedules) async throws {
        let base = "/api/agents/\(agent)/schedules"
        let preset = try await c.call(
            "createSchedule", base, token: admin,
            body: .json(#"{"name":"standup","message":"m","timezone":"Europe/Berlin","preset":{"kind":"weekdays","time":"09:00"}}"#), expect: .created)
        #expect(preset["cron_expression"]?.stringValue == "0 9 * * 1-5")
        let local = try await c.call(
            "createSchedule", base, token: admin,
            body: .json(#"{"name":"once local","message":"m","timezone":"Europe/Berlin","run_at_local":"2099-06-01T14:00"}"#), expect: .created)
        #expect(local["run_at_local"]?.stringValue == "2099-06-01T14:00")
        try await c.call("createSchedule", base, token: admin, body: .json(#"{"name":"x","message":"m","preset":{"kind":"weekly","time":"09:00"}}"#), expect: .badRequest)
        try await c.call("listSchedules", "\(base)?status=recurring,pending", token: admin, expect: .ok)
        try await c.call("listSchedules", "\(base)?status=asleep", token: admin, expect: .badRequest)
        try await c.call("listAllSchedules", "/api/schedules?status=paused", token: admin, expect: .ok)

        // Agent settings.
        let updated = try await c.call(
            "updateAgent", "/api/agents/\(agent)", token: admin,
            body: .json(#"{"notify_webhook_url":"https://example.com/agent-hook","max_concurrency":5}"#), expect: .ok)
        #expect(updated["notify_webhook_url"]?.stringValue == "https://example.com/agent-hook")
        try await c.call("updateAgent", "/api/agents/\(agent)", token: admin, body: .json(#"{"notify_webhook_url":null}"#), expect: .ok)
        try await c.call("updateAgent", "/api/agents/\(agent)", token: admin, body: Self.emptyJSON, expect: .ok)
        try await c.call("updateAgent", "/api/agents/\(agent)", token: admin, body: .json(#"{"notify_webhook_url":"ftp://x"}"#), expect: .badRequest)
        try await c.call("updateAgent", "/api/agents/\(agent)", token: admin, body: .json(#"{"max_concurrency":"many"}"#), expect: .unprocessableContent)
        try await c.call("updateAgent", "/api/agents/\(agent)", token: admin, body: .json(#"{"colour":"blue"}"#), expect: .unprocessableContent)
        try await c.call("updateAgent", "/api/agents/nonexistent-agent", token: admin, body: .json("{}"), expect: .notFound)

        // Webhook secrets.
        try await c.call("getWebhookSecret", "/api/users/me/webhook-secret", token: user.token, expect: .ok)
        let secret = try await c.call("rotateWebhookSecret", "/api/users/me/webhook-secret", token: user.token, expect: .created)
        #expect(secret["webhook_secret"]?.stringValue?.hasPrefix("whsec_") == true)
        try await c.call("deleteWebhookSecret", "/api/users/me/webhook-secret", token: user.token, expect: .noContent)

        // Notifications of a run: an execution finished with a notification due.
        let run = try await finishedExecution(agent: agent, schedule: schedules.full)
        let notifications = try await c.call(
            "listExecutionNotifications", "/api/agents/\(agent)/executions/\(run)/notifications", token: admin, expect: .ok)
        let kinds = notifications.json?.arrayValue?.compactMap { $0["kind"]?.stringValue } ?? []
        #expect(kinds == ["notify"], "notify always + webhook: one notification queued, got \(kinds)")
        // Nothing here should ever reach example.com: close it before a test scheduler picks it up.
        try await app.resources.pool.execute("UPDATE deliveries SET status = 'failed' WHERE execution_id = $1::uuid", .text(run))
        try await c.call("listExecutionNotifications", "/api/agents/\(agent)/executions/nonexistent-id/notifications", token: admin, expect: .notFound)
    }

    /// An execution of `schedule` moved to `success` directly in the database (no scheduler needed).
    func finishedExecution(agent: String, schedule: String) async throws -> String {
        let pool = app.resources.pool
        let row = try await pool.queryFirst(
            """
            INSERT INTO executions (schedule_id, agent_name, triggered_by, status, message, started_at)
            VALUES ($1::uuid, $2, 'manual', 'running', 'm', now()) RETURNING id
            """, .text(schedule), .text(agent))
        let id = try #require(try row?.decode(UUID.self, at: "id"))
        try await pool.execute(
            "UPDATE executions SET status = 'success', completed_at = now(), duration_ms = 5, response = 'ok', session_id = 'conf-session' WHERE id = $1",
            .uuid(id))
        return id.uuidString.lowercased()
    }
}

extension Scenarios {
    func sessions(admin: String, agent: String, schedules: Schedules) async throws {
        _ = try await finishedExecution(agent: agent, schedule: schedules.cron)
        try await app.resources.pool.execute("UPDATE deliveries SET status = 'failed' WHERE agent_name = $1", .text(agent))
        let sessions = try await c.call("listAgentSessions", "/api/agents/\(agent)/sessions?limit=10", token: admin, expect: .ok)
        #expect(sessions.json?.arrayValue?.first?["session_id"]?.stringValue == "conf-session")
        try await c.call("listAgentSessions", "/api/agents/nonexistent-agent/sessions", token: admin, expect: .notFound)
        try await c.call("listAgentSessions", "/api/agents/\(agent)/sessions?limit=0", token: admin, expect: .badRequest)
        try await c.call("listSessionExecutions", "/api/agents/\(agent)/sessions/conf-session/executions", token: admin, expect: .ok)
        try await c.call("listSessionExecutions", "/api/agents/\(agent)/sessions/nonexistent-id/executions", token: admin, expect: .notFound)
        try await c.call("listSessionExecutions", "/api/agents/\(agent)/sessions/conf-session/executions?limit=x", token: admin, expect: .badRequest)
    }
}

extension Scenarios {
    func dashboards(admin: String, agent: String) async throws {
        let calendar = try await c.call(
            "listUpcomingOccurrences", "/api/schedules/upcoming?agent=\(agent)&group=day&tz=Europe/Berlin&days=7", token: admin, expect: .ok)
        #expect(calendar["days"]?.arrayValue != nil)
        try await c.call("listUpcomingOccurrences", "/api/schedules/upcoming?group=day&tz=Nowhere/Land", token: admin, expect: .badRequest)
        try await c.call("getStats", "/api/stats", token: admin, expect: .ok)
        let stats = try await c.call(
            "getStats", "/api/stats?agent=\(agent)&from=2020-01-01T00:00:00Z&to=2100-01-01T00:00:00Z", token: admin, expect: .badRequest)
        #expect(stats.status == 400, "a window over 366 days is refused")
        try await c.call("getStats", "/api/stats?agent=\(agent)&tz=Asia/Tokyo", token: admin, expect: .ok)
    }
}

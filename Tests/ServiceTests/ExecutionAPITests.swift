import Foundation
import Hummingbird
import HummingbirdTesting
import Postgres
import Redis
import Testing

/// Execution read models, manual trigger and cancel, through the real router and Postgres.
@Suite("Executions API", .enabled(if: TestEnvironment.available), .serialized)
struct ExecutionAPITests {
    @Test("trigger needs a live scheduler, queues a pending manual run, refuses overlap; cancel and log")
    func triggerAndCancel() async throws {
        let harness = try await APITestHarness.make()
        let redis = harness.resources.redis
        let heartbeat = "sundial:scheduler:test-\(UUID().uuidString.prefix(8))"
        try await harness.run { anonymous in
            let admin = try await anonymous.login()
            let agent = APIClient.uniqueAgentName("test-trigger")
            _ = try await admin.request(.post, "/api/agents", json: #"{"name":"\#(agent)"}"#)
            let created = try await admin.request(.post, "/api/agents/\(agent)/schedules", json: #"{"name":"nightly","message":"do it","cron_expression":"0 3 * * *","enabled":false,"model":"m-1"}"#)
            let id = try #require(created.object["id"] as? String)

            // No scheduler heartbeat in Redis: 503, nothing recorded.
            for key in try await redis.scan(match: "sundial:scheduler:*") { _ = try await redis.del(key) }
            let refused = try await admin.request(.post, "/api/agents/\(agent)/schedules/\(id)/trigger", headers: [.contentType: "application/json"])
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.retryAfter] == "5")
            #expect(try await admin.request(.get, "/api/agents/\(agent)/schedules/\(id)/executions").array.isEmpty)

            try await redis.setex(heartbeat, seconds: 30, #"{"worker_id":"test"}"#)
            try await Task.sleep(for: .milliseconds(1100))  // presence is cached for a second
            let triggered = try await admin.request(.post, "/api/agents/\(agent)/schedules/\(id)/trigger", headers: [.contentType: "application/json"])
            #expect(triggered.status == .ok, "\(triggered.body)")
            #expect(triggered.object["status"] as? String == "triggered")
            #expect(triggered.object["schedule_id"] as? String == id)
            #expect(triggered.object["schedule_name"] as? String == "nightly")
            let executionID = try #require(triggered.object["execution_id"] as? String)

            let listed = try await admin.request(.get, "/api/agents/\(agent)/schedules/\(id)/executions")
            #expect(listed.array.count == 1)
            #expect(listed.array.first?["status"] as? String == "pending")
            #expect(listed.array.first?["triggered_by"] as? String == "manual")
            #expect(listed.array.first?["message"] as? String == "do it")
            #expect(listed.array.first?["model_used"] as? String == "m-1")

            // Overlap policy "skip": a second trigger while the first is pending is refused and records nothing.
            #expect(try await admin.request(.post, "/api/agents/\(agent)/schedules/\(id)/trigger").status == .conflict)
            #expect(try await admin.request(.get, "/api/agents/\(agent)/schedules/\(id)/executions").array.count == 1)

            let running = try await admin.request(.get, "/api/agents/\(agent)/executions/running")
            #expect((running.object["executions"] as? [[String: Any]])?.first?["execution_id"] as? String == executionID)

            let log = try await admin.request(.get, "/api/agents/\(agent)/executions/\(executionID)/log")
            #expect(log.object["has_log"] as? Bool == false)
            #expect(log.object["message"] is String)

            let cancelled = try await admin.request(.post, "/api/agents/\(agent)/executions/\(executionID)/terminate", headers: [.contentType: "application/json"])
            #expect(cancelled.object["status"] as? String == "terminated")
            let again = try await admin.request(.post, "/api/agents/\(agent)/executions/\(executionID)/cancel")
            #expect(again.object["status"] as? String == "already_finished")
            let single = try await admin.request(.get, "/api/agents/\(agent)/executions/\(executionID)")
            #expect(single.object["status"] as? String == "cancelled")
            #expect(single.object.keys.contains("execution_log"))
            #expect(try await admin.request(.get, "/api/agents/\(agent)/executions/nonexistent-id").status == .notFound)
            #expect(try await admin.request(.post, "/api/agents/\(agent)/schedules/nonexistent-id/trigger").status == .notFound)
        }
        let cleanup = try RedisCleanup(url: TestEnvironment.redisURL!)
        try await cleanup.delete(heartbeat)
    }

    @Test("GET /api/executions: newest first, filters, keyset pagination, visibility")
    func crossAgentHistory() async throws {
        let harness = try await APITestHarness.make()
        let pool = harness.resources.pool
        try await harness.run { anonymous in
            let admin = try await anonymous.login()
            let alice = try await admin.newUser("alice")
            let agent = APIClient.uniqueAgentName("test-history")
            #expect(try await alice.request(.post, "/api/agents", json: #"{"name":"\#(agent)"}"#).status == .created)
            // Seven finished runs, one per minute, alternating success/failure.
            for index in 0..<7 {
                try await pool.execute(
                    """
                    INSERT INTO executions (agent_name, triggered_by, status, message, created_at, started_at, completed_at, duration_ms)
                    VALUES ($1, 'manual', $2, $3, $4, $4, $4, 5)
                    """, .text(agent), .text(index % 2 == 0 ? "success" : "failed"), .text("run \(index)"),
                    .timestamp(Date(timeIntervalSince1970: 1_700_000_000 + Double(index) * 60)))
            }
            var seen: [String] = []
            var cursor: String?
            repeat {
                let uri = "/api/executions?agent=\(agent)&limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await alice.request(.get, uri)
                #expect(page.status == .ok)
                seen += page.array.compactMap { $0["message"] as? String }
                cursor = page.headers[.init("X-Next-Cursor")!]
            } while cursor != nil
            #expect(seen == (0..<7).reversed().map { "run \($0)" })

            let failed = try await alice.request(.get, "/api/executions?agent=\(agent)&status=failed")
            #expect(failed.array.count == 3)
            let window = try await alice.request(.get, "/api/executions?agent=\(agent)&from=2023-11-14T22:14:00Z&to=2023-11-14T22:16:00Z")
            #expect(window.array.compactMap { $0["message"] as? String } == ["run 2", "run 1"])
            #expect(try await alice.request(.get, "/api/executions?status=exploded").status == .badRequest)
            #expect(try await alice.request(.get, "/api/executions?limit=0").status == .badRequest)
            #expect(try await alice.request(.get, "/api/executions?cursor=garbage").status == .badRequest)
            #expect(try await alice.request(.get, "/api/agents/\(agent)/executions?status=success&triggered_by=x").array.count == 4)

            let bob = try await admin.newUser("bob")
            #expect(try await bob.request(.get, "/api/executions?agent=\(agent)").array.isEmpty)
            #expect(try await bob.request(.get, "/api/agents/\(agent)/executions").status == .notFound)
            #expect(try await admin.request(.get, "/api/executions?agent=\(agent)&limit=500").array.count == 7)
        }
    }
}

/// Deletes test keys with a client of its own (the harness closes its resources when it ends).
struct RedisCleanup {
    let url: String
    init(url: String) throws { self.url = url }

    func delete(_ key: String) async throws {
        let client = try Redis.RedisClient(url: url, connections: 1)
        _ = try await client.del(key)
        await client.shutdown()
    }
}

@Suite("Execution SSE stream", .enabled(if: TestEnvironment.available), .serialized)
struct ExecutionStreamTests {
    @Test("replays a finished execution then ends; Last-Event-ID resumes; live changes stream in order")
    func stream() async throws {
        let harness = try await APITestHarness.make()
        let pool = harness.resources.pool
        try await harness.run { anonymous in
            let admin = try await anonymous.login()
            let agent = APIClient.uniqueAgentName("test-sse")
            _ = try await admin.request(.post, "/api/agents", json: #"{"name":"\#(agent)"}"#)
            let done = try await pool.queryFirst(
                """
                INSERT INTO executions (agent_name, triggered_by, status, message, started_at, completed_at, duration_ms, response)
                VALUES ($1, 'manual', 'success', 'm', now(), now(), 12, 'the answer') RETURNING id
                """, .text(agent))!.decode(UUID.self, at: "id").uuidString.lowercased()
            let replay = try await admin.request(.get, "/api/agents/\(agent)/executions/\(done)/stream")
            #expect(replay.status == .ok)
            #expect(replay.headers[.contentType] == "text/event-stream")
            #expect(replay.body.contains("id: 3\ndata: "))
            #expect(replay.body.contains(#""response":"the answer""#))
            #expect(replay.body.hasSuffix("data: {\"type\":\"stream_end\"}\n\n"))
            let resumed = try await admin.request(.get, "/api/agents/\(agent)/executions/\(done)/stream", headers: [.init("Last-Event-ID")!: "3"])
            #expect(!resumed.body.contains("id: 3"))
            #expect(resumed.body.contains("stream_end"))

            let live = try await pool.queryFirst(
                "INSERT INTO executions (agent_name, triggered_by, status, message) VALUES ($1, 'manual', 'pending', 'm') RETURNING id", .text(agent)
            )!.decode(UUID.self, at: "id")
            let finisher = Task {
                try await Task.sleep(for: .milliseconds(400))
                try await pool.execute("UPDATE executions SET status = 'running', started_at = now() WHERE id = $1", .uuid(live))
                try await Task.sleep(for: .milliseconds(400))
                try await pool.execute("UPDATE executions SET status = 'failed', error = 'boom', completed_at = now() WHERE id = $1", .uuid(live))
            }
            let streamed = try await admin.request(.get, "/api/agents/\(agent)/executions/\(live.uuidString.lowercased())/stream")
            try await finisher.value
            let ids = streamed.body.split(separator: "\n").filter { $0.hasPrefix("id: ") }
            #expect(ids == ["id: 1", "id: 2", "id: 3"], "\(streamed.body)")
            #expect(streamed.body.contains(#""error":"boom""#))
            #expect(try await admin.request(.get, "/api/agents/\(agent)/executions/nonexistent/stream").status == .notFound)
            #expect(try await anonymous.request(.get, "/api/agents/\(agent)/executions/\(done)/stream").status == .unauthorized)
        }
    }
}

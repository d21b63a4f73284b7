import AgentClient
import Domain
import Foundation
import Logging
import Postgres
import ServiceLifecycle
import ServiceRuntime
import SundialConfig
import Synchronization
import Testing
@testable import SundialScheduler

/// An in-process agent: records every call, answers after `delay`, fails messages with `[fail]`.
final class RecordingTransport: AgentTransport {
    private let calls = Mutex<[String]>([])
    private let load = Mutex<[String: (now: Int, max: Int)]>([:])
    let delay: Duration

    init(delay: Duration = .milliseconds(50)) { self.delay = delay }

    var executionIDs: [String] { calls.withLock { $0 } }
    /// The most calls to the agent's endpoint that were in flight at once.
    func maxInFlight(agent: String) -> Int {
        load.withLock { loads in loads.filter { $0.key.contains(agent) }.map(\.value.max).max() ?? 0 }
    }

    func runTask(endpoint: String, request: AgentTaskRequest, timeout: Duration) async throws -> AgentTaskOutcome {
        calls.withLock { $0.append(request.executionID) }
        load.withLock { loads in
            var entry = loads[endpoint] ?? (0, 0)
            entry.now += 1
            entry.max = max(entry.max, entry.now)
            loads[endpoint] = entry
        }
        defer { load.withLock { $0[endpoint]?.now -= 1 } }
        try await Task.sleep(for: delay)
        if request.message.contains("[fail]") {
            return .failed(AgentCallError(kind: .serverError(status: 500, body: "boom"), message: "agent returned HTTP 500: boom"))
        }
        return .completed(
            AgentTaskResult(response: "done: \(request.message)", executionLog: [["role": "assistant", "text": "done"]], sessionID: "s-\(request.executionID.prefix(8))"),
            httpStatus: 200)
    }

    func health(endpoint: String, timeout: Duration) async -> Bool { true }
}

/// Real schedulers (engine, queued-execution worker, janitor) against the test Postgres/Redis.
@Suite("Scheduler replicas against real Postgres and Redis", .enabled(if: TestEnvironment.available), .serialized)
struct SchedulerIntegrationTests {
    struct Replica {
        let resources: ServiceResources
        let task: Task<Void, any Error>
    }

    static func startReplica(_ id: String, transport: RecordingTransport) async throws -> Replica {
        let config = try SchedulerConfig(environment: TestEnvironment.environment(extra: [
            "SUNDIAL_WORKER_ID": id, "SUNDIAL_HEARTBEAT_INTERVAL": "1",
        ]))
        let resources = try await ServiceResources.open(common: config.common, applicationName: "sundial-test-\(id)", logger: TestEnvironment.logger)
        let components = SchedulerComponents(
            config: config, resources: resources, status: SchedulerStatus(workerID: id, startedAt: Date()),
            logger: TestEnvironment.logger, transport: transport)
        let group = ServiceGroup(services: components.services, logger: TestEnvironment.logger)
        return Replica(resources: resources, task: Task { try await group.run() })
    }

    static func stop(_ replicas: [Replica]) async {
        for replica in replicas { replica.task.cancel() }
        for replica in replicas {
            _ = try? await replica.task.value
            await replica.resources.close()
        }
    }

    static func makeAgent(_ pool: PostgresPool, enabled: Bool = true) async throws -> String {
        let user = try await pool.queryFirst(
            "INSERT INTO users (username, password_hash, role) VALUES ($1, 'x', 'user') RETURNING id",
            .text("sched-\(UUID().uuidString.prefix(8))"))
        let agent = "sched-\(UUID().uuidString.prefix(8).lowercased())"
        try await pool.execute(
            "INSERT INTO agents (name, owner, endpoint_url, enabled) VALUES ($1, $2, 'http://127.0.0.1:9/agents/' || $1, $3)",
            .text(agent), .uuid(try user!.decode(UUID.self, at: "id")), .bool(enabled))
        return agent
    }

    static func insertOnce(_ pool: PostgresPool, agent: String, at: Date, message: String = "hello", maxRetries: Int = 0) async throws -> String {
        let row = try await pool.queryFirst(
            """
            INSERT INTO schedules (agent_name, owner, name, trigger, run_at, message, max_retries, retry_delay_seconds, next_run_at)
            SELECT $1, owner, 'once', 'once', $2, $3, $4, 30, $2 FROM agents WHERE name = $1 RETURNING id
            """, .text(agent), .timestamp(at), .text(message), .int(maxRetries))
        return try row!.decode(UUID.self, at: "id").uuidString.lowercased()
    }

    @Test("three replicas: every occurrence runs exactly once, picked up via NOTIFY; once-schedules complete")
    func exactlyOnce() async throws {
        let transport = RecordingTransport()
        let replicas = [
            try await Self.startReplica("it-a-\(UUID().uuidString.prefix(4))", transport: transport),
            try await Self.startReplica("it-b-\(UUID().uuidString.prefix(4))", transport: transport),
            try await Self.startReplica("it-c-\(UUID().uuidString.prefix(4))", transport: transport),
        ]
        let pool = replicas[0].resources.pool
        try await Task.sleep(for: .milliseconds(500))  // listeners up
        let agent = try await Self.makeAgent(pool)
        try await pool.execute("UPDATE agents SET max_concurrency = 100 WHERE name = $1", .text(agent))
        let fireAt = Date().addingTimeInterval(2)
        var ids: [String] = []
        for index in 0..<12 {
            ids.append(try await Self.insertOnce(pool, agent: agent, at: fireAt, message: "job \(index) at {{time}}"))
        }
        var done = 0
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(100))
            done = try await pool.queryFirst(
                "SELECT count(*)::int AS n FROM executions WHERE agent_name = $1 AND status = 'success'", .text(agent))!.decode(Int.self, at: "n")
            if done == 12 { break }
        }
        try await Task.sleep(for: .seconds(1))  // give a duplicate the chance to appear
        let rows = try await pool.query(
            "SELECT schedule_id, count(*)::int AS n, min(started_at) AS started FROM executions WHERE agent_name = $1 GROUP BY schedule_id", .text(agent))
        #expect(done == 12)
        #expect(rows.count == 12)
        #expect(try rows.allSatisfy { try $0.decode(Int.self, at: "n") == 1 })
        // On time: every run started within 2 s of its instant.
        for row in rows {
            let started = try row.decode(Date.self, at: "started")
            #expect(started.timeIntervalSince(fireAt) < 2, "started \(started) for \(fireAt)")
        }
        let calls = transport.executionIDs
        #expect(Set(calls).count == calls.count, "an execution was sent to the agent twice")
        let enabled = try await pool.queryFirst(
            "SELECT count(*)::int AS n FROM schedules WHERE agent_name = $1 AND enabled", .text(agent))!.decode(Int.self, at: "n")
        #expect(enabled == 0, "one-time schedules disable themselves after firing")
        let events = try await pool.queryFirst(
            "SELECT count(*) FILTER (WHERE type = 'schedule_execution_started')::int AS started, count(*) FILTER (WHERE type = 'schedule_execution_completed')::int AS completed FROM events WHERE agent_name = $1",
            .text(agent))!
        #expect(try events.decode(Int.self, at: "started") == 12)
        #expect(try events.decode(Int.self, at: "completed") == 12)
        let message = try await pool.queryFirst("SELECT message FROM executions WHERE agent_name = $1 LIMIT 1", .text(agent))!.decode(String.self, at: "message")
        #expect(!message.contains("{{time}}"), "templates are expanded: \(message)")
        await Self.stop(replicas)
    }

    @Test("queued executions (manual triggers) run once on one replica; a stopped agent's occurrence is skipped with a reason")
    func queuedAndSkipped() async throws {
        let transport = RecordingTransport()
        let replicas = [
            try await Self.startReplica("it-q1-\(UUID().uuidString.prefix(4))", transport: transport),
            try await Self.startReplica("it-q2-\(UUID().uuidString.prefix(4))", transport: transport),
        ]
        let pool = replicas[0].resources.pool
        try await Task.sleep(for: .milliseconds(500))
        let agent = try await Self.makeAgent(pool)
        var pending: [String] = []
        for index in 0..<8 {
            let row = try await pool.queryFirst(
                "INSERT INTO executions (agent_name, triggered_by, status, message) VALUES ($1, 'manual', 'pending', $2) RETURNING id",
                .text(agent), .text("manual \(index)"))
            let id = try row!.decode(UUID.self, at: "id").uuidString.lowercased()
            try await pool.execute("SELECT pg_notify('executions_pending', $1)", .text(id))
            pending.append(id)
        }
        var finished = 0
        for _ in 0..<60 {
            try await Task.sleep(for: .milliseconds(100))
            finished = try await pool.queryFirst(
                "SELECT count(*)::int AS n FROM executions WHERE agent_name = $1 AND status = 'success'", .text(agent))!.decode(Int.self, at: "n")
            if finished == 8 { break }
        }
        #expect(finished == 8)
        #expect(Set(transport.executionIDs).isSuperset(of: pending))
        #expect(transport.executionIDs.filter(pending.contains).count == 8)

        let stopped = try await Self.makeAgent(pool, enabled: false)
        let scheduleID = try await Self.insertOnce(pool, agent: stopped, at: Date().addingTimeInterval(1))
        var reason: String?
        for _ in 0..<50 where reason == nil {
            try await Task.sleep(for: .milliseconds(100))
            reason = try await pool.queryFirst(
                "SELECT skip_reason FROM executions WHERE schedule_id = $1 AND status = 'skipped'", .uuid(UUID(uuidString: scheduleID)!))?
                .decodeIfPresent(String.self, at: "skip_reason")
        }
        #expect(reason == "agent_stopped")
        await Self.stop(replicas)
    }

    @Test("edits and disables take effect at once: a disabled schedule never fires, a moved one fires at its new time")
    func editsTakeEffect() async throws {
        let transport = RecordingTransport()
        let replica = try await Self.startReplica("it-edit-\(UUID().uuidString.prefix(4))", transport: transport)
        let pool = replica.resources.pool
        try await Task.sleep(for: .milliseconds(500))
        let agent = try await Self.makeAgent(pool)
        let disabled = try await Self.insertOnce(pool, agent: agent, at: Date().addingTimeInterval(2))
        let moved = try await Self.insertOnce(pool, agent: agent, at: Date().addingTimeInterval(30))
        try await Task.sleep(for: .milliseconds(300))
        try await pool.execute("UPDATE schedules SET enabled = false WHERE id = $1", .uuid(UUID(uuidString: disabled)!))
        let newTime = Date().addingTimeInterval(1.5)
        try await pool.execute("UPDATE schedules SET run_at = $2 WHERE id = $1", .uuid(UUID(uuidString: moved)!), .timestamp(newTime))
        var started: Date?
        for _ in 0..<50 where started == nil {
            try await Task.sleep(for: .milliseconds(100))
            started = try await pool.queryFirst("SELECT started_at FROM executions WHERE schedule_id = $1", .uuid(UUID(uuidString: moved)!))?
                .decodeIfPresent(Date.self, at: "started_at")
        }
        let startedAt = try #require(started, "the moved schedule did not fire")
        #expect(abs(startedAt.timeIntervalSince(newTime)) < 1.5)
        try await Task.sleep(for: .seconds(1))
        let ranDisabled = try await pool.queryFirst("SELECT count(*)::int AS n FROM executions WHERE schedule_id = $1", .uuid(UUID(uuidString: disabled)!))!
        #expect(try ranDisabled.decode(Int.self, at: "n") == 0)
        await Self.stop([replica])
    }

    @Test("occurrences beyond the agent's max_concurrency wait as pending and all run")
    func agentConcurrency() async throws {
        let transport = RecordingTransport(delay: .milliseconds(400))
        let replica = try await Self.startReplica("it-conc-\(UUID().uuidString.prefix(4))", transport: transport)
        let pool = replica.resources.pool
        try await Task.sleep(for: .milliseconds(500))
        let agent = try await Self.makeAgent(pool)
        try await pool.execute("UPDATE agents SET max_concurrency = 1 WHERE name = $1", .text(agent))
        let at = Date().addingTimeInterval(1.5)
        for index in 0..<3 { _ = try await Self.insertOnce(pool, agent: agent, at: at, message: "c\(index) {{schedule_name}}") }
        var done = 0
        for _ in 0..<60 where done < 3 {
            try await Task.sleep(for: .milliseconds(100))
            done = try await pool.queryFirst(
                "SELECT count(*)::int AS n FROM executions WHERE agent_name = $1 AND status = 'success'", .text(agent))!.decode(Int.self, at: "n")
        }
        #expect(done == 3)
        #expect(transport.maxInFlight(agent: agent) == 1)
        let messages = try await pool.query("SELECT message FROM executions WHERE agent_name = $1", .text(agent)).map { try $0.decode(String.self, at: "message") }
        #expect(messages.allSatisfy { $0.hasSuffix(" once") }, "\(messages)")
        await Self.stop([replica])
    }

    @Test("an execution abandoned by a dead replica is closed and its retry queued")
    func recovery() async throws {
        let config = try SchedulerConfig(environment: TestEnvironment.environment())
        let resources = try await ServiceResources.open(common: config.common, applicationName: "sundial-test", logger: TestEnvironment.logger)
        let pool = resources.pool
        let agent = try await Self.makeAgent(pool)
        let scheduleID = try await Self.insertOnce(pool, agent: agent, at: Date().addingTimeInterval(3600), maxRetries: 1)
        let occurrence = Date(timeIntervalSince1970: 1_700_000_000)
        try await pool.execute(
            """
            INSERT INTO executions (schedule_id, agent_name, scheduled_for, attempt, triggered_by, status, started_at, heartbeat_at, worker_id)
            VALUES ($1, $2, $3, 1, 'schedule', 'running', now() - interval '5 minutes', now() - interval '5 minutes', 'dead-replica')
            """, .uuid(UUID(uuidString: scheduleID)!), .text(agent), .timestamp(occurrence))
        let janitor = ExecutionJanitor(
            pool: pool, events: EventLog(redis: resources.redis, logger: TestEnvironment.logger), workerID: "it-janitor",
            heartbeatInterval: .seconds(10), staleAfterSeconds: 60, logger: TestEnvironment.logger)
        #expect(try await janitor.recover() >= 1)
        let rows = try await pool.query(
            "SELECT attempt, status, triggered_by, error FROM executions WHERE schedule_id = $1 ORDER BY attempt", .uuid(UUID(uuidString: scheduleID)!))
        #expect(rows.count == 2)
        #expect(try rows[0].decode(String.self, at: "status") == "failed")
        #expect(try rows[0].decode(String.self, at: "error").contains("dead-replica"))
        #expect(try rows[1].decode(Int.self, at: "attempt") == 2)
        #expect(try rows[1].decode(String.self, at: "status") == "pending")
        #expect(try rows[1].decode(String.self, at: "triggered_by") == "retry")
        // A second janitor pass (another replica) changes nothing.
        #expect(try await janitor.recover() == 0)
        await resources.close()
    }
}

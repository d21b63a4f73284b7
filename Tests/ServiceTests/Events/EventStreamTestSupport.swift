import APIAuth
import EventStreamClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOWebSocket
import Postgres
import Redis
import ServiceRuntime
import SundialAPI
import SundialConfig
import Synchronization
import Testing
import WSClient

/// A live API (real HTTP server on an ephemeral port, event relay running) on the test
/// Postgres, with a Redis of the test's choosing, plus helpers to write events the way the
/// scheduler's EventLog does (insert, then PUBLISH on `scheduler:events`).
struct EventStreamHarness {
    let api: APITestHarness
    let redis: RedisClient

    static func make(redisURL: String? = nil, extra: [String: String] = [:]) async throws -> EventStreamHarness {
        var settings = [
            "SUNDIAL_AGENT_URL_TEMPLATE": "http://127.0.0.1:9/agents/{name}",
            "SUNDIAL_WS_PING_INTERVAL": "5",
            "SUNDIAL_EVENT_GAP_GRACE": "1",
        ]
        settings.merge(extra) { _, new in new }
        let config = try APIConfig(environment: TestEnvironment.environment(redisURL: redisURL, extra: settings))
        let resources = try await ServiceResources.open(common: config.common, applicationName: "sundial-test", logger: TestEnvironment.logger)
        let auth = try makeAuthService(config: config, resources: resources, logger: TestEnvironment.logger, passwordCost: .testing)
        try await auth.bootstrapAdmin(username: "admin", password: APITestHarness.adminPassword)
        return EventStreamHarness(api: APITestHarness(config: config, resources: resources, auth: auth), redis: resources.redis)
    }

    var pool: PostgresPool { api.resources.pool }

    /// Runs the API live; `body` gets an admin client and the server's base URL.
    func run(_ body: @Sendable (APIClient, String) async throws -> Void) async throws {
        let app = buildAPIApplication(config: api.config, resources: api.resources, auth: api.auth, logger: TestEnvironment.logger)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let admin = try await APIClient(client: client).login()
            try await body(admin, "http://127.0.0.1:\(port)")
        }
        await api.resources.close()
    }

    /// Inserts an event (committed), then publishes it; returns its id. A failed PUBLISH is
    /// ignored, as the scheduler does: the table is the record.
    @discardableResult
    func emit(agent: String, type: String = "schedule_execution_completed", fields: [String: String] = [:], padding: Int = 0) async throws -> Int {
        var payload: [String: Any] = ["agent": agent, "timestamp": ISO8601DateFormatter().string(from: Date())]
        for (key, value) in fields { payload[key] = value }
        if padding > 0 { payload["padding"] = String(repeating: "x", count: padding) }
        let stored = String(decoding: try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]), as: UTF8.self)
        let row = try await pool.queryFirst(
            "INSERT INTO events (type, agent_name, payload) VALUES ($1, $2, $3) RETURNING id", .text(type), .text(agent), .json(stored))
        let id = try #require(try row?.decode(Int.self, at: "id"))
        payload["type"] = type
        payload["event_id"] = id
        let message = String(decoding: try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]), as: UTF8.self)
        _ = try? await redis.publish("scheduler:events", message)
        return id
    }

    /// An agent owned by the client's user.
    func createAgent(_ client: APIClient, prefix: String = "agent") async throws -> String {
        let name = APIClient.uniqueAgentName(prefix)
        let created = try await client.request(.post, "/api/agents", json: #"{"name":"\#(name)"}"#)
        #expect(created.status == .created, "\(created.body)")
        return name
    }
}

/// What a test listener saw.
struct ListenerLog: Sendable {
    var connectedEventID: Int?
    var events: [(id: Int, agent: String?)] = []
    var others: [String] = []
    var ended = false
    var closeCode: Int?
    var closeReason: String?
    var error: String?

    var ids: [Int] { events.map(\.id) }
}

/// One raw `/ws/events` connection for tests: records every message; can be told to stop
/// reading (a stalled client) or to read slowly.
final class TestListener: Sendable {
    enum Reading: Sendable { case normal, stalled, slow(Duration) }

    private let log = Mutex(ListenerLog())
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)
    private let resumeReading = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let reading: Mutex<Reading>
    private let outgoing: AsyncStream<String>
    private let outgoingContinuation: AsyncStream<String>.Continuation

    private init(reading: Reading) {
        self.reading = Mutex(reading)
        (outgoing, outgoingContinuation) = AsyncStream.makeStream(of: String.self)
    }

    static func connect(
        _ server: String, token: String?, agents: [String] = [], since: Int? = nil, reading: Reading = .normal
    ) throws -> TestListener {
        let listener = TestListener(reading: reading)
        let url = try EventStreamURL.make(server: server, token: token, agents: agents, since: since)
        var logger = Logger(label: "sundial.test.listener")
        logger.logLevel = .critical
        let task = Task {
            do {
                let close = try await WebSocketClient.connect(
                    url: url, configuration: WebSocketClientConfiguration(maxFrameSize: 1 << 22, autoPing: .disabled), logger: logger
                ) { inbound, outbound, _ in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await text in listener.outgoing { try await outbound.write(.text(text)) }
                        }
                        group.addTask {
                            var iterator = inbound.messages(maxSize: 1 << 22).makeAsyncIterator()
                            while true {
                                await listener.pauseIfStalled()
                                guard let message = try await iterator.next() else { break }
                                if case .slow(let delay) = listener.reading.withLock({ $0 }) { try await Task.sleep(for: delay) }
                                guard case .text(let text) = message else { continue }
                                listener.record(text)
                            }
                        }
                        try await group.next()
                        group.cancelAll()
                    }
                }
                listener.log.withLock { log in
                    log.closeCode = close.map { Int(UInt16(webSocketErrorCode: $0.closeCode)) }
                    log.closeReason = close?.reason
                }
            } catch {
                listener.log.withLock { $0.error = "\(error)" }
            }
            listener.log.withLock { $0.ended = true }
        }
        listener.task.withLock { $0 = task }
        return listener
    }

    private func record(_ text: String) {
        log.withLock { log in
            switch EventStreamMessage.parse(text) {
            case .connected(let id): log.connectedEventID = id
            case .event(let id, _, let agent, _): log.events.append((id, agent))
            case .pong, .other: log.others.append(text)
            }
        }
    }

    private func pauseIfStalled() async {
        guard case .stalled = reading.withLock({ $0 }) else { return }
        await withCheckedContinuation { continuation in
            let stillStalled = reading.withLock { reading -> Bool in
                if case .stalled = reading { return true }
                return false
            }
            if stillStalled {
                resumeReading.withLock { $0 = continuation }
            } else {
                continuation.resume()
            }
        }
    }

    /// A stalled listener starts reading again (normally).
    func startReading() {
        reading.withLock { $0 = .normal }
        resumeReading.withLock { continuation in
            continuation?.resume()
            continuation = nil
        }
    }

    func send(_ text: String) { outgoingContinuation.yield(text) }

    var snapshot: ListenerLog { log.withLock { $0 } }

    /// Waits until `condition` holds for what was seen (fails the test after `timeout`).
    @discardableResult
    func wait(
        for what: String, timeout: Duration = .seconds(15), sourceLocation: SourceLocation = #_sourceLocation,
        until condition: (ListenerLog) -> Bool
    ) async throws -> ListenerLog {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            let current = snapshot
            if condition(current) { return current }
            try await Task.sleep(for: .milliseconds(20))
        }
        let current = snapshot
        if !condition(current) {
            Issue.record("timed out waiting for \(what); saw ids \(current.ids.suffix(20)), others \(current.others.suffix(3)), ended \(current.ended), error \(current.error ?? "-")", sourceLocation: sourceLocation)
        }
        return current
    }

    /// Waits for the `connected` message; returns its event id.
    func connected(sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int {
        try await wait(for: "connected", sourceLocation: sourceLocation) { $0.connectedEventID != nil || $0.ended }.connectedEventID ?? -1
    }

    func disconnect() async {
        outgoingContinuation.finish()
        startReading()
        let task = task.withLock { $0 }
        task?.cancel()
        await task?.value
    }

    deinit {
        outgoingContinuation.finish()
    }
}

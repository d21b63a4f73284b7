import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceRuntime
import SundialConfig
import Testing
import APIAuth
@testable import SundialAPI
@testable import SundialScheduler

@Suite("Operations endpoints against real Postgres and Redis", .enabled(if: TestEnvironment.available), .serialized)
struct OperationalEndpointTests {
    @Test("API /health, /ready and /metrics answer")
    func apiEndpoints() async throws {
        let config = try APIConfig(environment: TestEnvironment.environment())
        let resources = try await ServiceResources.open(common: config.common, applicationName: "sundial-test", logger: TestEnvironment.logger)
        let auth = try makeAuthService(config: config, resources: resources, logger: TestEnvironment.logger, passwordCost: .testing)
        let app = buildAPIApplication(config: config, resources: resources, auth: auth, logger: TestEnvironment.logger)
        try await app.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("\"status\":\"ok\""))
            }
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let checks = body?["checks"] as? [String: [String: Any]]
                #expect(checks?["postgres"]?["ok"] as? Bool == true)
                #expect(checks?["redis"]?["ok"] as? Bool == true)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("sundial_http_requests_total"))
            }
            try await client.execute(uri: "/health", method: .get, headers: [.init("X-Request-Id")!: "req-42"]) { response in
                #expect(response.headers[.init("X-Request-Id")!] == "req-42")
            }
        }
        await resources.close()
    }

    @Test("/ready names the dependency that is down and recovers by itself")
    func readyDuringOutages() async throws {
        let databaseURL = try #require(TestEnvironment.databaseURL)
        let redisURL = try #require(TestEnvironment.redisURL)
        let pgProxy = try TCPProxy(targetPort: TestEnvironment.port(of: databaseURL))
        let redisProxy = try TCPProxy(targetPort: TestEnvironment.port(of: redisURL))
        let config = try APIConfig(environment: TestEnvironment.environment(
            databaseURL: TestEnvironment.replacingPort(of: databaseURL, with: pgProxy.port),
            redisURL: TestEnvironment.replacingPort(of: redisURL, with: redisProxy.port)
        ))
        let resources = try await ServiceResources.open(common: config.common, applicationName: "sundial-test", logger: TestEnvironment.logger)
        let auth = try makeAuthService(config: config, resources: resources, logger: TestEnvironment.logger, passwordCost: .testing)
        let app = buildAPIApplication(config: config, resources: resources, auth: auth, logger: TestEnvironment.logger)
        try await app.test(.router) { client in
            #expect(try await readyStatus(client).status == .ok)

            redisProxy.down()
            let redisDown = try await readyStatus(client)
            #expect(redisDown.status == .serviceUnavailable)
            #expect(redisDown.body.contains("unavailable: redis"))
            #expect(redisDown.retryAfter == "5")
            try redisProxy.up()
            #expect(try await waitForReady(client), "API did not become ready after Redis came back")

            pgProxy.down()
            let pgDown = try await readyStatus(client)
            #expect(pgDown.status == .serviceUnavailable)
            #expect(pgDown.body.contains("unavailable: postgres"))
            try pgProxy.up()
            #expect(try await waitForReady(client), "API did not become ready after Postgres came back")
        }
        await resources.close()
    }

    @Test("scheduler heartbeat is written to Redis and removed on shutdown")
    func heartbeat() async throws {
        let config = try SchedulerConfig(environment: TestEnvironment.environment(extra: [
            "SUNDIAL_WORKER_ID": "test-worker-\(UUID().uuidString.prefix(8))", "SUNDIAL_HEARTBEAT_INTERVAL": "100ms",
        ]))
        let resources = try await ServiceResources.open(common: config.common, applicationName: "sundial-test", logger: TestEnvironment.logger)
        let status = SchedulerStatus(workerID: config.workerID, startedAt: Date())
        let service = HeartbeatService(redis: resources.redis, status: status, interval: .milliseconds(100), logger: TestEnvironment.logger)
        let key = HeartbeatService.key(workerID: config.workerID)
        let task = Task { try await service.run() }
        var stored: String?
        for _ in 0..<50 where stored == nil {
            try await Task.sleep(for: .milliseconds(50))
            stored = try await resources.redis.get(key)
        }
        let json = try #require(stored)
        #expect(json.contains("\"worker_id\":\"\(config.workerID)\""))
        let ttl = try await resources.redis.pttl(key)
        #expect(ttl != nil && ttl! > .zero && ttl! <= .seconds(3))
        task.cancel()
        try await task.value
        #expect(try await resources.redis.get(key) == nil)
        await resources.close()
    }

    @Test("the scheduler serves its own /ready")
    func schedulerReady() async throws {
        let config = try SchedulerConfig(environment: TestEnvironment.environment())
        let resources = try await ServiceResources.open(common: config.common, applicationName: "sundial-test", logger: TestEnvironment.logger)
        let app = buildSchedulerApplication(config: config, resources: resources, logger: TestEnvironment.logger)
        try await app.test(.router) { client in
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/status", method: .get) { response in
                #expect(String(buffer: response.body).contains(config.workerID))
            }
        }
        await resources.close()
    }

    struct ReadyAnswer {
        var status: HTTPResponse.Status
        var body: String
        var retryAfter: String?
    }

    func readyStatus(_ client: some TestClientProtocol) async throws -> ReadyAnswer {
        try await client.execute(uri: "/ready", method: .get) { response in
            ReadyAnswer(status: response.status, body: String(buffer: response.body), retryAfter: response.headers[.retryAfter])
        }
    }

    func waitForReady(_ client: some TestClientProtocol) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if try await readyStatus(client).status == .ok { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}

import Domain
import Foundation
import Logging
import Postgres
import SundialConfig
import Synchronization
import Testing
@testable import SundialScheduler

/// The delivery worker's decisions, against a scripted transport (no network, no database).
@Suite("Delivery worker: outcomes, backoff, signature")
struct DeliveryWorkerTests {
    final class ScriptedTransport: DeliveryTransport {
        let answer: @Sendable () throws -> (Int, String)
        let sent = Mutex<[(url: String, headers: [(String, String)], body: [UInt8])]>([])

        init(_ answer: @escaping @Sendable () throws -> (Int, String)) { self.answer = answer }

        func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async throws -> (status: Int, body: String) {
            sent.withLock { $0.append((url, headers, body)) }
            let (status, text) = try answer()
            return (status, text)
        }
    }

    struct Refused: Error, CustomStringConvertible { var description: String { "connection refused" } }

    static func worker(_ transport: ScriptedTransport, env: [String: String] = [:]) throws -> DeliveryWorker {
        let config = try DeliveryConfig(environment: Environment([
            "SUNDIAL_DELIVERY_RETRY_BASE": "2", "SUNDIAL_DELIVERY_MAX_ATTEMPTS": "4", "SUNDIAL_WEBHOOK_SECRET": "global-secret-0123456789",
        ].merging(env) { $1 }))
        let postgres = try PostgresConfiguration(url: "postgres://nobody@127.0.0.1:1/none")
        let logger = Logger(label: "delivery-test")
        return DeliveryWorker(
            store: DeliveryStore(pool: PostgresPool(configuration: postgres, size: 1, logger: logger)),
            feed: NotificationFeed(configuration: postgres, channels: [], logger: logger), transport: transport, config: config,
            workerID: "w", logger: logger, now: { Date(timeIntervalSince1970: 1_767_268_800) })
    }

    static func delivery(target: String = "webhook", url: String? = "https://hooks.example/x", attempt: Int = 1, secret: String? = nil) -> DeliveryStore.Claimed {
        DeliveryStore.Claimed(
            id: UUID(uuidString: "11111111-2222-3333-4444-555555555555")!, executionID: "e", agentName: "a", kind: "notify", target: target,
            url: url, payload: .object(["type": .string("execution_finished"), "status": .string("failed")]), attempt: attempt,
            ownerSecret: secret)
    }

    @Test("2xx delivered; 408/429/5xx and network errors retried with doubling delays; other 4xx end it; the last attempt gives up",
          arguments: [
            (200, 1, DeliveryStore.Outcome.delivered(statusCode: 200)),
            (204, 3, .delivered(statusCode: 204)),
            (500, 1, .retry(statusCode: 500, error: "receiver answered HTTP 500: nope", after: 2)),
            (503, 3, .retry(statusCode: 503, error: "receiver answered HTTP 503: nope", after: 8)),
            (429, 2, .retry(statusCode: 429, error: "receiver answered HTTP 429: nope", after: 4)),
            (408, 1, .retry(statusCode: 408, error: "receiver answered HTTP 408: nope", after: 2)),
            (404, 1, .failed(statusCode: 404, error: "receiver answered HTTP 404: nope")),
            (401, 2, .failed(statusCode: 401, error: "receiver answered HTTP 401: nope")),
            (500, 4, .failed(statusCode: 500, error: "receiver answered HTTP 500: nope (gave up after 4 attempts)")),
          ])
    func outcomes(status: Int, attempt: Int, expected: DeliveryStore.Outcome) async throws {
        let worker = try Self.worker(ScriptedTransport { (status, "nope") })
        #expect(await worker.attempt(Self.delivery(attempt: attempt)) == expected)
    }

    @Test("a network error is retried; the gateway needs SUNDIAL_GATEWAY_URL")
    func networkAndGateway() async throws {
        let refused = try Self.worker(ScriptedTransport { throw Refused() })
        #expect(await refused.attempt(Self.delivery()) == .retry(statusCode: nil, error: "connection refused", after: 2))

        let transport = ScriptedTransport { (200, "") }
        let noGateway = try Self.worker(transport)
        guard case .failed(nil, let error) = await noGateway.attempt(Self.delivery(target: "gateway", url: nil)) else {
            Issue.record("expected a failure without a gateway URL")
            return
        }
        #expect(error.contains("SUNDIAL_GATEWAY_URL"))
        #expect(transport.sent.withLock { $0.isEmpty })

        let gateway = try Self.worker(transport, env: ["SUNDIAL_GATEWAY_URL": "http://gateway.internal/send"])
        #expect(await gateway.attempt(Self.delivery(target: "gateway", url: nil)) == .delivered(statusCode: 200))
        #expect(transport.sent.withLock { $0.last?.url } == "http://gateway.internal/send")
    }

    @Test("headers: event, attempt, delivery id; signed with the owner's secret before the global one")
    func headers() async throws {
        let transport = ScriptedTransport { (200, "") }
        let worker = try Self.worker(transport)
        _ = await worker.attempt(Self.delivery(attempt: 2, secret: "owner-secret-0123456789"))
        _ = await worker.attempt(Self.delivery())
        let sent = transport.sent.withLock { $0 }
        #expect(sent.count == 2)
        let owner = Dictionary(sent[0].headers, uniquingKeysWith: { $1 })
        #expect(owner["X-Sundial-Event"] == "execution_finished")
        #expect(owner["X-Sundial-Attempt"] == "2")
        #expect(owner["X-Sundial-Delivery"] == "11111111-2222-3333-4444-555555555555")
        #expect(owner["X-Sundial-Timestamp"] == "1767268800")
        #expect(owner["X-Sundial-Signature"] == WebhookSignature.sign(body: sent[0].body, timestamp: 1_767_268_800, secret: "owner-secret-0123456789"))
        let global = Dictionary(sent[1].headers, uniquingKeysWith: { $1 })
        #expect(global["X-Sundial-Signature"] == WebhookSignature.sign(body: sent[1].body, timestamp: 1_767_268_800, secret: "global-secret-0123456789"))
        let body = try JSONSerialization.jsonObject(with: Data(sent[0].body)) as? [String: Any]
        #expect(body?["delivery_id"] as? String == "11111111-2222-3333-4444-555555555555")
        #expect(body?["status"] as? String == "failed")
    }

    @Test("signature = sha256=hex(HMAC-SHA256(secret, timestamp + \".\" + body)), checked against Python's hmac module")
    func signatureVector() {
        // python3 -c 'import hmac,hashlib; print(hmac.new(b"key", b"1767268800.{\"status\":\"failed\"}", hashlib.sha256).hexdigest())'
        let signature = WebhookSignature.sign(body: Array(#"{"status":"failed"}"#.utf8), timestamp: 1_767_268_800, secret: "key")
        #expect(signature == "sha256=1af9f573694820e13f0c8d91e4e8ff18c47df53fd78ba96776494a142504f9a0")
    }

    @Test("retry delays double from the base and stop at the maximum")
    func backoff() throws {
        let config = try DeliveryConfig(environment: Environment(["SUNDIAL_DELIVERY_RETRY_BASE": "10", "SUNDIAL_DELIVERY_RETRY_MAX": "60"]))
        #expect((1...6).map(config.retryDelay(afterAttempt:)) == [10, 20, 40, 60, 60, 60])
        #expect(throws: ConfigError.self) { try DeliveryConfig(environment: Environment(["SUNDIAL_WEBHOOK_SECRET": "short"])) }
        #expect(throws: ConfigError.self) { try DeliveryConfig(environment: Environment(["SUNDIAL_GATEWAY_URL": "ftp://x"])) }
    }
}

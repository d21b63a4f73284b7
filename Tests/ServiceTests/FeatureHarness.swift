import AgentStub
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import ServiceRuntime
import SundialConfig
import Synchronization
import Testing
@testable import SundialScheduler

/// An HTTP server that records what it receives (webhooks, the chat gateway) and answers as
/// scripted per path: `/flaky…` answers 500 to its first call then 200, `/down…` always 503,
/// `/gone…` 410, anything else 200.
final class WebhookReceiver: Sendable {
    struct Call: Sendable {
        var path: String
        var headers: [String: String]
        var body: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
    }

    private let received = Mutex<[Call]>([])

    var calls: [Call] { received.withLock { $0 } }

    func calls(to path: String) -> [Call] { calls.filter { $0.path == path } }

    func application() -> some ApplicationProtocol {
        let router = Router()
        router.post("/**") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let path = request.uri.path
            let count = self.received.withLock { calls in
                calls.append(Call(path: path, headers: headers, body: String(buffer: body)))
                return calls.filter { $0.path == path }.count
            }
            let status: HTTPResponse.Status =
                path.hasPrefix("/flaky") ? (count == 1 ? .internalServerError : .ok)
                : path.hasPrefix("/down") ? .serviceUnavailable
                : path.hasPrefix("/gone") ? .gone : .ok
            return Response(status: status, body: .init(byteBuffer: ByteBuffer(string: "{\"received\":\(count)}")))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestEnvironment.logger)
    }
}

/// End-to-end pieces: the reference agent and a webhook receiver on ephemeral ports, and
/// scheduler replicas that call agents over HTTP with the real libcurl client.
enum FeatureHarness {
    /// Runs the stub agent and a receiver; `body` gets the stub's base URL (`http://127.0.0.1:P`).
    static func withServers(
        stubDelayMs: Int = 50, _ body: @Sendable (_ stubURL: String, _ receiver: WebhookReceiver, _ receiverURL: String) async throws -> Void
    ) async throws {
        let stub = buildAgentStubApplication(
            config: try AgentStubConfig(environment: Environment(["SUNDIAL_STUB_PORT": "0", "SUNDIAL_STUB_DELAY_MS": "\(stubDelayMs)"])),
            logger: TestEnvironment.logger)
        let receiver = WebhookReceiver()
        try await stub.test(.live) { stubClient in
            try await receiver.application().test(.live) { receiverClient in
                let stubPort = try #require(stubClient.port)
                let receiverPort = try #require(receiverClient.port)
                try await body("http://127.0.0.1:\(stubPort)", receiver, "http://127.0.0.1:\(receiverPort)")
            }
        }
    }

    /// A scheduler replica with the real agent client (HTTP to the agents' endpoint URLs).
    static func startReplica(_ prefix: String, extra: [String: String] = [:]) async throws -> SchedulerIntegrationTests.Replica {
        let id = "\(prefix)-\(UUID().uuidString.prefix(4))"
        var values = ["SUNDIAL_WORKER_ID": id, "SUNDIAL_HEARTBEAT_INTERVAL": "1", "SUNDIAL_DELIVERY_POLL_INTERVAL": "1"]
        values.merge(extra) { _, new in new }
        let config = try SchedulerConfig(environment: TestEnvironment.environment(extra: values))
        let resources = try await ServiceResources.open(common: config.common, applicationName: "sundial-test-\(id)", logger: TestEnvironment.logger)
        let components = SchedulerComponents(
            config: config, resources: resources, status: SchedulerStatus(workerID: id, startedAt: Date()), logger: TestEnvironment.logger,
            transport: nil)
        let group = ServiceGroup(services: components.services, logger: TestEnvironment.logger)
        let replica = SchedulerIntegrationTests.Replica(resources: resources, task: Task { try await group.run() })
        try await Task.sleep(for: .milliseconds(1500))  // LISTEN connection up, first heartbeat written
        return replica
    }

    /// Polls `condition` every 100 ms until it holds or `timeout` passes; returns whether it held.
    @discardableResult
    static func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }
}

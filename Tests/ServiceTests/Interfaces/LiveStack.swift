import Foundation
import Hummingbird
import HummingbirdTesting
import SundialAPI
import Testing

/// The real API served over HTTP on an ephemeral loopback port (for clients that are separate
/// programs or speak real HTTP), with an admin client, and optionally a scheduler replica
/// whose agent calls go to an in-process ``RecordingTransport``.
struct LiveStack {
    let port: Int
    /// Logged in as admin, through the same live server.
    let admin: APIClient
    var baseURL: String { "http://127.0.0.1:\(port)" }

    static func run(scheduler transport: RecordingTransport? = nil, _ body: @Sendable (LiveStack) async throws -> Void) async throws {
        let harness = try await APITestHarness.make()
        var replica: SchedulerIntegrationTests.Replica?
        if let transport {
            replica = try await SchedulerIntegrationTests.startReplica("live-\(UUID().uuidString.prefix(6))", transport: transport)
            try await Task.sleep(for: .milliseconds(1500))  // listeners up and a first heartbeat in Redis
        }
        let app = buildAPIApplication(config: harness.config, resources: harness.resources, auth: harness.auth, logger: TestEnvironment.logger)
        do {
            try await app.test(.live) { client in
                let port = try #require(client.port)
                let admin = try await APIClient(client: client).login()
                try await body(LiveStack(port: port, admin: admin))
            }
        } catch {
            await Self.stop(replica, harness)
            throw error
        }
        await Self.stop(replica, harness)
    }

    private static func stop(_ replica: SchedulerIntegrationTests.Replica?, _ harness: APITestHarness) async {
        if let replica { await SchedulerIntegrationTests.stop([replica]) }
        await harness.resources.close()
    }

    /// A new user with a password, and an API client logged in as them.
    func newUser(_ prefix: String) async throws -> (name: String, password: String, client: APIClient) {
        let name = "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
        let created = try await admin.request(.post, "/api/users", json: #"{"username":"\#(name)","password":"password-123","role":"user"}"#)
        #expect(created.status == .created, "\(created.body)")
        return (name, "password-123", try await admin.login(name, "password-123"))
    }

    /// An API key made by `client`: `scope` `user`, or `agent` bound to `agent`.
    func apiKey(_ client: APIClient, agent: String? = nil) async throws -> String {
        let body = agent.map { #"{"name":"test key","scope":"agent","agent_name":"\#($0)"}"# } ?? #"{"name":"test key","scope":"user"}"#
        let answer = try await client.request(.post, "/api/keys", json: body)
        #expect(answer.status == .created, "\(answer.body)")
        return try #require(answer.object["key"] as? String)
    }

    /// Registers an agent as `client`.
    @discardableResult
    func agent(_ client: APIClient, _ prefix: String = "agent") async throws -> String {
        let name = APIClient.uniqueAgentName(prefix)
        let answer = try await client.request(.post, "/api/agents", json: #"{"name":"\#(name)"}"#)
        #expect(answer.status == .created, "\(answer.body)")
        return name
    }
}

/// The package's built executables (`swift build` builds them next to the test bundle).
enum BuiltProduct {
    static func url(_ name: String) throws -> URL {
        var candidates: [URL] = []
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(name))
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name))
        candidates.append(Bundle.main.bundleURL.appendingPathComponent(name))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/\(name)"))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw BuiltProductMissing(name: name, searched: candidates.map(\.path))
        }
        return found
    }

    struct BuiltProductMissing: Error, CustomStringConvertible {
        var name: String
        var searched: [String]
        var description: String { "\(name) is not built (run `swift build`); looked in \(searched.joined(separator: ", "))" }
    }
}

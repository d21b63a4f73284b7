import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MCP
import SundialConfig
import SundialMCP
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `sundial-mcp` over streamable HTTP, in process, on a loopback port, pointing at a live API.
enum MCPTestServer {
    static func run(apiURL: String, _ body: @Sendable (_ endpoint: URL) async throws -> Void) async throws {
        let config = try MCPConfig(environment: Environment(["SUNDIAL_API_URL": apiURL, "SUNDIAL_HTTP_PORT": "0"]), transportOverride: .http)
        let app = try buildMCPHTTPApplication(config: config, logger: TestEnvironment.logger)
        try await app.test(.live) { client in
            try await body(URL(string: "http://127.0.0.1:\(try #require(client.port))/mcp")!)
        }
    }

    /// An SDK client connected over HTTP with `key` as its bearer token.
    static func connect(_ endpoint: URL, key: String) async throws -> Client {
        let transport = HTTPClientTransport(endpoint: endpoint, streaming: false, requestModifier: { request in
            var request = request
            request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
            return request
        })
        let client = Client(name: "sundial-tests", version: "1.0")
        try await client.connect(transport: transport)
        return client
    }
}

extension Client {
    /// Calls a tool; returns its text and whether it was an error result.
    nonisolated func call(_ name: String, _ arguments: [String: Value] = [:]) async throws -> (text: String, isError: Bool, json: [String: Any]) {
        let result = try await callTool(name: name, arguments: arguments)
        let text = result.content.compactMap { content -> String? in
            if case .text(let text, _, _) = content { return text }
            return nil
        }.joined(separator: "\n")
        let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        return (text, result.isError ?? false, json)
    }
}

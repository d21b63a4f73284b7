import AgentClient
import Foundation

/// Runs `body` with a fresh test server and client, and tears both down
/// afterwards whether `body` throws or not.
func withServerAndClient<T>(
    configuration: CurlHTTPClient.Configuration = CurlHTTPClient.Configuration(),
    _ body: (TestHTTPServer, CurlHTTPClient) async throws -> T
) async throws -> T {
    let server = try TestHTTPServer()
    let client = CurlHTTPClient(configuration: configuration)
    do {
        let result = try await body(server, client)
        await client.shutdown()
        server.stop()
        return result
    } catch {
        await client.shutdown()
        server.stop()
        throw error
    }
}

/// The JSON the test server's `/echo` route answers with.
struct Echo: Decodable {
    var method: String
    var target: String
    var headers: [String: String]
    var body: String

    init(_ response: HTTPResponse) throws {
        self = try JSONDecoder().decode(Echo.self, from: Data(response.body))
    }
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

import AgentClient
import Foundation
import Synchronization
import Testing

@Suite("CurlHTTPClient")
struct CurlHTTPClientTests {
    @Test func getRoundTripsHeaders() async throws {
        try await withServerAndClient { server, client in
            let response = try await client.execute(HTTPRequest(
                method: "GET",
                url: server.baseURL + "/echo?x=1",
                headers: [("X-Test", "abc"), ("Accept", "application/json")]
            ))
            #expect(response.status == 200)
            #expect(response.header("x-test-server") == "yes")
            #expect(response.header("CONTENT-TYPE") == "application/json")
            let echo = try Echo(response)
            #expect(echo.method == "GET")
            #expect(echo.target == "/echo?x=1")
            #expect(echo.headers["x-test"] == "abc")
            #expect(echo.headers["user-agent"] == "sundial")
            #expect(echo.body.isEmpty)
        }
    }

    @Test(arguments: ["POST", "PUT", "PATCH", "DELETE"])
    func bodyRoundTrips(method: String) async throws {
        // Over 1 KiB, where libcurl would otherwise wait for `100 Continue`.
        let payload = String(repeating: "päyload-", count: 500)
        try await withServerAndClient { server, client in
            let response = try await client.execute(HTTPRequest(
                method: method,
                url: server.baseURL + "/echo",
                headers: [("Content-Type", "text/plain; charset=utf-8")],
                body: Array(payload.utf8),
                timeout: .seconds(5)
            ))
            #expect(response.status == 200)
            #expect(response.totalTime > .zero)
            let echo = try Echo(response)
            #expect(echo.method == method)
            #expect(echo.body == payload)
            #expect(echo.headers["content-length"] == "\(payload.utf8.count)")
            #expect(echo.headers["content-type"] == "text/plain; charset=utf-8")
            #expect(echo.headers["expect"] == nil)
        }
    }

    @Test func bodylessPostAndDelete() async throws {
        try await withServerAndClient { server, client in
            let post = try Echo(await client.execute(HTTPRequest(method: "POST", url: server.baseURL + "/echo")))
            #expect(post.method == "POST")
            #expect(post.headers["content-length"] == "0")
            let delete = try Echo(await client.execute(HTTPRequest(method: "DELETE", url: server.baseURL + "/echo")))
            #expect(delete.method == "DELETE")
        }
    }

    @Test func nonSuccessStatusIsAResponse() async throws {
        try await withServerAndClient { server, client in
            let response = try await client.execute(HTTPRequest(url: server.baseURL + "/status/503"))
            #expect(response.status == 503)
            #expect(response.bodyText == "status 503 body")
        }
    }

    /// 200 requests that each take 200 ms on the server finish together in a
    /// fraction of the 40 s they would take one after another, and the
    /// cooperative pool stays free: a 10 ms heartbeat keeps ticking meanwhile.
    @Test func manyConcurrentRequestsDoNotBlockThePool() async throws {
        try await withServerAndClient { server, client in
            let ticks = Atomic<Int>(0)
            let done = Atomic<Bool>(false)
            let heartbeat = Task {
                while !done.load(ordering: .relaxed) {
                    try? await Task.sleep(for: .milliseconds(10))
                    ticks.add(1, ordering: .relaxed)
                }
            }
            let start = ContinuousClock.now
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<200 {
                    group.addTask {
                        let response = try await client.execute(HTTPRequest(
                            url: server.baseURL + "/delay?ms=200",
                            timeout: .seconds(30)
                        ))
                        return response.status
                    }
                }
                var statuses: [Int] = []
                for try await status in group {
                    statuses.append(status)
                }
                return statuses
            }
            let elapsed = ContinuousClock.now - start
            done.store(true, ordering: .relaxed)
            await heartbeat.value

            #expect(statuses.count == 200)
            #expect(statuses.allSatisfy { $0 == 200 })
            #expect(server.requests.filter { $0.path == "/delay" }.count == 200)
            #expect(elapsed < .seconds(20), "one after another would take 40 s; took \(elapsed)")
            // An unstarved 10 ms heartbeat ticks about elapsed / 10 ms times.
            // Pool threads blocked in HTTP calls would starve it far below a
            // fifth of that, and at least 200 ms pass, so 5 ticks is a floor.
            let count = ticks.load(ordering: .relaxed)
            let ideal = elapsed / .milliseconds(10)
            #expect(count >= 5, "heartbeat ticked \(count) times in \(elapsed)")
            #expect(Double(count) >= ideal / 5, "heartbeat ticked \(count) times in \(elapsed)")
            #expect(client.inFlightCount == 0)
        }
    }

    @Test func perRequestTimeoutLeavesOthersAlone() async throws {
        try await withServerAndClient { server, client in
            async let other = client.execute(HTTPRequest(url: server.baseURL + "/delay?ms=600", timeout: .seconds(20)))
            let start = ContinuousClock.now
            let error = await #expect(throws: HTTPClientError.self) {
                try await client.execute(HTTPRequest(url: server.baseURL + "/hold?ms=20000", timeout: .milliseconds(300)))
            }
            let elapsed = ContinuousClock.now - start
            #expect(error?.code == .timeout)
            #expect(error?.message.contains("timed out") == true, "\(String(describing: error))")
            #expect(elapsed < .seconds(10), "timeout fired after \(elapsed)")
            // libcurl dropped the timed-out connection.
            #expect(try await eventually { server.abandonedHolds == 1 })
            let otherResponse = try await other
            #expect(otherResponse.status == 200)
            #expect(otherResponse.bodyText == "ok")
        }
    }

    @Test func connectionRefused() async throws {
        let port = try TestHTTPServer.closedPort()
        let client = CurlHTTPClient()
        let error = await #expect(throws: HTTPClientError.self) {
            try await client.execute(HTTPRequest(url: "http://127.0.0.1:\(port)/", timeout: .seconds(5)))
        }
        #expect(error?.code == .connectionRefused)
        #expect(error?.message.contains("127.0.0.1") == true)
        await client.shutdown()
    }

    @Test func unknownHost() async throws {
        let client = CurlHTTPClient()
        let error = await #expect(throws: HTTPClientError.self) {
            try await client.execute(HTTPRequest(url: "http://sundial-no-such-host.invalid/", timeout: .seconds(20), connectTimeout: .seconds(20)))
        }
        #expect(error?.code == .couldNotResolveHost)
        await client.shutdown()
    }

    @Test func connectionClosedWithoutReplyIsATransportError() async throws {
        try await withServerAndClient { server, client in
            let error = await #expect(throws: HTTPClientError.self) {
                try await client.execute(HTTPRequest(url: server.baseURL + "/close", timeout: .seconds(5)))
            }
            #expect(error?.code == .transport)
            #expect(error?.curlCode != nil)
        }
    }

    @Test func unsupportedSchemeIsRefused() async throws {
        let client = CurlHTTPClient()
        let error = await #expect(throws: HTTPClientError.self) {
            try await client.execute(HTTPRequest(url: "file:///etc/passwd"))
        }
        #expect(error?.code == .transport)
        await client.shutdown()
    }

    @Test func cancellingTheTaskAbortsTheRequestPromptly() async throws {
        try await withServerAndClient { server, client in
            let task = Task {
                try await client.execute(HTTPRequest(url: server.baseURL + "/hold?ms=20000", timeout: .seconds(30)))
            }
            #expect(try await eventually { server.requests.contains { $0.path == "/hold" } })
            let cancelledAt = ContinuousClock.now
            task.cancel()
            let result = await task.result
            let elapsed = ContinuousClock.now - cancelledAt
            #expect(throws: CancellationError.self) { try result.get() }
            #expect(elapsed < .seconds(5), "cancellation took \(elapsed)")
            #expect(client.inFlightCount == 0)
            // The transfer was really aborted: the server saw the connection go.
            #expect(try await eventually { server.abandonedHolds == 1 })

            // The client carries on.
            let next = try await client.execute(HTTPRequest(url: server.baseURL + "/status/200"))
            #expect(next.status == 200)
        }
    }

    @Test func alreadyCancelledTaskSendsNothing() async throws {
        try await withServerAndClient { server, client in
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await client.execute(HTTPRequest(url: server.baseURL + "/status/200"))
            }
            let result = await task.result
            #expect(throws: CancellationError.self) { try result.get() }
            try await Task.sleep(for: .milliseconds(100))
            #expect(server.requests.isEmpty)
        }
    }

    @Test(arguments: [true, false])
    func responseBodyCap(withContentLength: Bool) async throws {
        let configuration = CurlHTTPClient.Configuration(maxResponseBodyBytes: 64 * 1024)
        try await withServerAndClient(configuration: configuration) { server, client in
            let lengthQuery = withContentLength ? "" : "&length=0"
            let error = await #expect(throws: HTTPClientError.self) {
                try await client.execute(HTTPRequest(url: server.baseURL + "/big?bytes=200000" + lengthQuery))
            }
            #expect(error?.code == .bodyTooLarge)
            #expect(error?.message.contains("65536") == true, "\(String(describing: error))")

            let fits = try await client.execute(HTTPRequest(url: server.baseURL + "/big?bytes=65536" + lengthQuery))
            #expect(fits.body.count == 65536)
            #expect(fits.body.allSatisfy { $0 == UInt8(ascii: "x") })
        }
    }

    @Test func shutdownFailsPendingAndLaterRequests() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let client = CurlHTTPClient()
        let pending = Task {
            try await client.execute(HTTPRequest(url: server.baseURL + "/hold?ms=20000"))
        }
        #expect(try await eventually { server.requests.contains { $0.path == "/hold" } })
        await client.shutdown()
        // Shutting down closed the connection rather than leaving it to finish.
        #expect(try await eventually { server.abandonedHolds == 1 })

        let result = await pending.result
        #expect(throws: HTTPClientError(code: .shutdown, message: "HTTP client was shut down")) { try result.get() }
        let later = await #expect(throws: HTTPClientError.self) {
            try await client.execute(HTTPRequest(url: server.baseURL + "/status/200"))
        }
        #expect(later?.code == .shutdown)
        await client.shutdown()  // idempotent
    }
}

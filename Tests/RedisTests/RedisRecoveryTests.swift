import Foundation
import Redis
import Testing

/// Fault tests on a private redis-server per test (killed and restarted on the
/// same port); the shared test server is never disturbed.
@Suite("Recovery from server restarts", .enabled(if: RedisTestEnvironment.isConfigured, "SUNDIAL_TEST_REDIS_URL not set"))
struct RedisRecoveryTests {
    @Test func clientRecoversAfterServerRestartWithoutBeingRecreated() async throws {
        let server = try await RedisServerProcess.start()
        let client = RedisClient(configuration: server.configuration(), connections: 2)
        let key = RedisTestEnvironment.unique("recover")
        try await client.set(key, "before")
        #expect(try await client.get(key) == "before")

        try await server.killAndWait()
        await #expect {
            _ = try await client.get(key)
        } throws: { error in
            guard let error = error as? RedisError else { return false }
            return [.connectionLost, .connectionFailed, .unavailable].contains(error.code)
        }

        try await server.restart()
        let value = try await eventually(timeout: .seconds(15)) {
            try await client.set(key, "after")
            return try await client.get(key)
        }
        #expect(value == "after")
        // Every worker is healthy again.
        for _ in 0..<10 {
            try await client.ping()
        }
        await client.shutdown()
    }

    /// Writing to a socket the server has closed raises SIGPIPE, which would
    /// kill the test process; the worker threads block it, so it is an error.
    @Test func writesToAClosedSocketFailWithoutKillingTheProcess() async throws {
        let server = try await RedisServerProcess.start()
        let client = RedisClient(configuration: server.configuration(), connections: 1)
        let admin = RedisClient(configuration: server.configuration(), connections: 1)
        let id = try #require(try await client.command(["CLIENT", "ID"]).integer)
        #expect(try await admin.command(["CLIENT", "KILL", "ID", String(id)]) == .integer(1))

        await #expect {
            try await client.withConnection { connection throws(RedisError) in
                for _ in 0..<20 {  // the first write draws an RST, a later one EPIPE
                    try connection.append([Array("PING".utf8)])
                    try connection.flush()
                    usleep(20_000)
                }
            }
        } throws: { error in
            (error as? RedisError)?.code == .connectionLost
        }
        try await client.ping()  // reconnected on the next call
        await client.shutdown()
        await admin.shutdown()
    }

    @Test func clientAuthenticatesAndSelectsTheDatabase() async throws {
        let server = try await RedisServerProcess.start(extraArguments: ["--requirepass", "s3cret pass"])
        let withoutPassword = RedisClient(configuration: server.configuration(), connections: 1)
        await #expect {
            try await withoutPassword.ping()
        } throws: { error in
            (error as? RedisError)?.serverErrorPrefix == "NOAUTH"
        }
        await withoutPassword.shutdown()

        let wrongPassword = RedisClient(configuration: server.configuration(password: "nope"), connections: 1)
        await #expect {
            try await wrongPassword.ping()
        } throws: { error in
            guard let error = error as? RedisError else { return false }
            return error.code == .connectionFailed && error.message.contains("handshake rejected")
        }
        await wrongPassword.shutdown()

        let url = "redis://:s3cret%20pass@127.0.0.1:\(server.port)/5"
        let client = try RedisClient(url: url, connections: 1)
        try await client.set("selected", "db5")
        #expect(try await client.command(["CLIENT", "INFO"]).string?.contains("db=5") == true)
        await client.shutdown()
    }

    @Test func scriptsFallBackToEvalWhenTheServerLacksThem() async throws {
        let server = try await RedisServerProcess.start()
        let client = RedisClient(configuration: server.configuration(), connections: 1)
        let lock = RedisLock(client: client)
        let key = RedisTestEnvironment.unique("lock:noscript")
        let script = RedisScript("return redis.call('GET', KEYS[1])")

        await #expect {
            _ = try await client.evalsha(script.sha1, keys: [key])
        } throws: { error in
            (error as? RedisError)?.serverErrorPrefix == "NOSCRIPT"
        }
        try await client.set(key, "v")
        #expect(try await client.run(script, keys: [key]).string == "v")
        #expect(try await client.command(["SCRIPT", "EXISTS", script.sha1]) == .array([.integer(1)]))

        // A flushed script cache (as after a restart) is handled by the lock too.
        try await client.del(key)
        let token = try #require(try await lock.acquire(key: key, ttl: .seconds(30)))
        _ = try await client.command(["SCRIPT", "FLUSH"])
        #expect(try await lock.renew(key: key, token: token, ttl: .seconds(60)))
        _ = try await client.command(["SCRIPT", "FLUSH"])
        #expect(try await lock.release(key: key, token: token))
        await client.shutdown()
    }

    @Test func subscriberReconnectsAfterServerRestart() async throws {
        let server = try await RedisServerProcess.start()
        let channel = RedisTestEnvironment.unique("restart")
        let subscriber = RedisSubscriber(
            configuration: server.configuration(),
            channels: [channel],
            backoff: RedisBackoff(initial: .milliseconds(50), maximum: .milliseconds(500)),
            pingInterval: .seconds(1)
        )
        let recorder = EventRecorder(subscriber)
        let running = Task { await subscriber.run() }
        let client = RedisClient(configuration: server.configuration(), connections: 1)

        _ = try await recorder.waitFor("subscribed") { $0.isSubscribed }
        #expect(try await client.publish(channel, "before") == 1)
        let (_, beforeIndex) = try await recorder.waitFor("message before restart") {
            $0 == .message(channel: channel, payload: Array("before".utf8))
        }

        try await server.killAndWait()
        let (_, lostIndex) = try await recorder.waitFor(from: beforeIndex, "disconnected") { $0.isDisconnected }
        try await Task.sleep(for: .milliseconds(300))  // a measurable outage
        try await server.restart()
        let (reconnected, reconnectedIndex) = try await recorder.waitFor(from: lostIndex, "reconnected") { $0.isReconnected }
        let gap = try #require(reconnected.reconnectGap)
        #expect(gap >= .milliseconds(300))
        #expect(gap < .seconds(30))

        let after = try await eventually { try await client.publish(channel, "after") }
        #expect(after == 1)
        _ = try await recorder.waitFor(from: reconnectedIndex, "message after restart") {
            $0 == .message(channel: channel, payload: Array("after".utf8))
        }
        // One disconnected per outage, however many attempts failed.
        #expect(await recorder.events.filter(\.isDisconnected).count == 1)
        #expect(await recorder.events.filter(\.isSubscribed).count == 1)

        subscriber.shutdown()
        await running.value
        try await recorder.waitUntilFinished()
        await client.shutdown()
    }

    @Test func subscriberReconnectsAfterClientKill() async throws {
        let server = try await RedisServerProcess.start()
        let channel = RedisTestEnvironment.unique("killed")
        let subscriber = RedisSubscriber(configuration: server.configuration(), channels: [channel])
        let recorder = EventRecorder(subscriber)
        let running = Task { await subscriber.run() }
        let client = RedisClient(configuration: server.configuration(), connections: 1)

        _ = try await recorder.waitFor("subscribed") { $0.isSubscribed }
        let killed = try await client.command(["CLIENT", "KILL", "TYPE", "pubsub"])
        #expect(killed == .integer(1))
        let (_, lostIndex) = try await recorder.waitFor("disconnected") { $0.isDisconnected }
        let (_, reconnectedIndex) = try await recorder.waitFor(from: lostIndex, "reconnected") { $0.isReconnected }

        #expect(try await client.publish(channel, "after kill") == 1)
        _ = try await recorder.waitFor(from: reconnectedIndex, "message after kill") {
            $0 == .message(channel: channel, payload: Array("after kill".utf8))
        }

        subscriber.shutdown()
        await running.value
        try await recorder.waitUntilFinished()
        await client.shutdown()
    }

    @Test func subscriberDetectsASilentServerWithPing() async throws {
        let server = try await RedisServerProcess.start()
        let channel = RedisTestEnvironment.unique("silent")
        let subscriber = RedisSubscriber(
            configuration: server.configuration(), channels: [channel],
            backoff: RedisBackoff(initial: .milliseconds(50), maximum: .milliseconds(200)),
            pingInterval: .milliseconds(300)
        )
        let recorder = EventRecorder(subscriber)
        let running = Task { await subscriber.run() }
        let client = RedisClient(configuration: server.configuration(), connections: 1)
        _ = try await recorder.waitFor("subscribed") { $0.isSubscribed }

        // Freeze the server without closing sockets: only the PING deadline can notice.
        _ = try await client.command(["CLIENT", "PAUSE", "1500", "ALL"])
        let (lost, lostIndex) = try await recorder.waitFor(timeout: .seconds(5), "disconnected") { $0.isDisconnected }
        if case .disconnected(let error) = lost {
            #expect(error.message.contains("PING") || error.code == .connectionLost)
        }
        _ = try await recorder.waitFor(from: lostIndex, "reconnected") { $0.isReconnected }

        subscriber.shutdown()
        await running.value
        try await recorder.waitUntilFinished()
        await client.shutdown()
    }
}

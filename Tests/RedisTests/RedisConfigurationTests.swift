import Redis
import Testing

@Suite("RedisConfiguration URL parsing")
struct RedisConfigurationTests {
    struct Valid: Sendable, CustomTestStringConvertible {
        var url: String
        var host: String
        var port: Int
        var username: String?
        var password: String?
        var database: Int
        var testDescription: String { url }
    }

    @Test(arguments: [
        Valid(url: "redis://127.0.0.1:56380/0", host: "127.0.0.1", port: 56380, database: 0),
        Valid(url: "redis://localhost", host: "localhost", port: 6379, database: 0),
        Valid(url: "redis://localhost/", host: "localhost", port: 6379, database: 0),
        Valid(url: "redis://cache.internal:6380/15", host: "cache.internal", port: 6380, database: 15),
        Valid(url: "redis://:s3cret@10.0.0.5:6379/2", host: "10.0.0.5", port: 6379, password: "s3cret", database: 2),
        Valid(url: "redis://app:p%40ss%3Aword@redis/3", host: "redis", port: 6379, username: "app", password: "p@ss:word", database: 3),
        Valid(url: "REDIS://Host:1/1", host: "Host", port: 1, database: 1),
        Valid(url: "redis://[::1]:6390/4", host: "::1", port: 6390, database: 4),
        Valid(url: "  redis://h:7000  ", host: "h", port: 7000, database: 0),
    ])
    func parsesValidURLs(_ case: Valid) throws {
        let configuration = try RedisConfiguration(url: `case`.url)
        #expect(configuration.host == `case`.host)
        #expect(configuration.port == `case`.port)
        #expect(configuration.username == `case`.username)
        #expect(configuration.password == `case`.password)
        #expect(configuration.database == `case`.database)
    }

    @Test(arguments: [
        ("", "empty"),
        ("localhost:6379", "scheme"),
        ("http://localhost:6379", "unsupported scheme"),
        ("rediss://localhost:6379", "TLS"),
        ("redis://", "missing host"),
        ("redis://:pw@/0", "missing host"),
        ("redis://localhost:0", "port"),
        ("redis://localhost:99999", "port"),
        ("redis://localhost/abc", "database"),
        ("redis://localhost/-1", "database"),
        ("redis://localhost/1/2", "database"),
        ("redis://user@localhost", "password"),
        ("redis://localhost?timeout=1", "query"),
        ("redis://local host", "URL"),
    ])
    func rejectsBadURLs(_ url: String, _ mentions: String) {
        #expect {
            try RedisConfiguration(url: url)
        } throws: { error in
            guard let error = error as? RedisError else { return false }
            return error.code == .invalidURL && error.message.localizedCaseInsensitiveContains(mentions)
        }
    }

    @Test func errorsNeverShowThePassword() {
        #expect {
            try RedisConfiguration(url: "rediss://:topsecret@localhost")
        } throws: { error in
            "\(error)".contains("topsecret") == false
        }
    }

    @Test func endpointDescriptionOmitsPassword() throws {
        let configuration = try RedisConfiguration(url: "redis://:hunter2@[::1]:6380/3")
        #expect(configuration.endpointDescription == "[::1]:6380/3")
    }
}

@Suite("Building blocks")
struct RedisBuildingBlockTests {
    @Test(arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        ("The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"),
    ])
    func scriptSHA1MatchesKnownDigests(_ source: String, _ digest: String) {
        #expect(RedisScript(source).sha1 == digest)
    }

    @Test func scriptSHA1HandlesMultiBlockInput() {
        // 1,000 'a's spans 16 blocks; digest from `printf 'a%.0s' {1..1000} | sha1sum`.
        #expect(RedisScript(String(repeating: "a", count: 1000)).sha1 == "291e9a6c66994949b57ba5e650361e98fc36b1ba")
    }

    @Test func lockTokensAre128BitHexAndDistinct() {
        let tokens = (0..<1000).map { _ in RedisLock.Token.random() }
        #expect(Set(tokens).count == tokens.count)
        for token in tokens {
            #expect(token.rawValue.count == 32)
            #expect(token.rawValue.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
    }

    @Test func backoffGrowsAndIsCapped() {
        let backoff = RedisBackoff(initial: .milliseconds(100), maximum: .seconds(5), jitter: 0)
        #expect(backoff.delay(attempt: 0) == .milliseconds(100))
        #expect(backoff.delay(attempt: 1) == .milliseconds(200))
        #expect(backoff.delay(attempt: 3) == .milliseconds(800))
        #expect(backoff.delay(attempt: 10) == .seconds(5))
        #expect(backoff.delay(attempt: 10_000) == .seconds(5))
    }

    @Test func backoffJitterStaysWithinBounds() {
        let backoff = RedisBackoff(initial: .milliseconds(100), maximum: .seconds(5), jitter: 0.2)
        for attempt in 0..<20 {
            let delay = backoff.delay(attempt: attempt)
            #expect(delay >= .milliseconds(80))
            #expect(delay <= .seconds(5))
        }
    }

    @Test func replyAccessors() {
        #expect(RedisReply.bulk(Array("héllo".utf8)).string == "héllo")
        #expect(RedisReply.bulk([0xFF, 0xFE]).string == nil)
        #expect(RedisReply.bulk([0xFF, 0xFE]).bytes == [0xFF, 0xFE])
        #expect(RedisReply.status("OK").string == "OK")
        #expect(RedisReply.integer(7).integer == 7)
        #expect(RedisReply.null.isNull)
        #expect(RedisReply.array([.integer(1)]).array == [.integer(1)])
    }
}

@Suite("Unreachable server")
struct RedisUnreachableTests {
    @Test func connectingToAClosedPortFailsThenFailsFastDuringBackoff() async throws {
        let port = try RedisServerProcess.freeLoopbackPort()
        let client = RedisClient(
            configuration: RedisConfiguration(host: "127.0.0.1", port: port, connectTimeout: .milliseconds(500)),
            connections: 1,
            backoff: RedisBackoff(initial: .seconds(30), maximum: .seconds(30))
        )
        await #expect {
            try await client.ping()
        } throws: { error in
            (error as? RedisError)?.code == .connectionFailed && "\(error)".contains("\(port)")
        }
        await #expect {
            try await client.ping()
        } throws: { error in
            (error as? RedisError)?.code == .unavailable
        }
        await client.shutdown()
    }

    @Test func shutDownClientRejectsCommands() async throws {
        let client = RedisClient(configuration: RedisConfiguration(host: "127.0.0.1", port: 1))
        await client.shutdown()
        await #expect {
            try await client.ping()
        } throws: { error in
            (error as? RedisError)?.code == .shutdown
        }
    }

    @Test func subscriberShutdownBeforeRunFinishesStream() async {
        let subscriber = RedisSubscriber(configuration: RedisConfiguration(host: "127.0.0.1", port: 1), channels: ["x"])
        subscriber.shutdown()
        await subscriber.run()
        var count = 0
        for await _ in subscriber.events { count += 1 }
        #expect(count == 0)
    }

    @Test func subscriberReportsDisconnectedWhileServerIsDownAndStopsCleanly() async throws {
        let port = try RedisServerProcess.freeLoopbackPort()
        let subscriber = RedisSubscriber(
            configuration: RedisConfiguration(host: "127.0.0.1", port: port, connectTimeout: .milliseconds(200)),
            channels: ["x"]
        )
        let recorder = EventRecorder(subscriber)
        let running = Task { await subscriber.run() }
        let (event, _) = try await recorder.waitFor("disconnected") { $0.isDisconnected }
        guard case .disconnected(let error) = event else { return }
        #expect(error.code == .connectionFailed)
        running.cancel()
        await running.value
        try await recorder.waitUntilFinished()
        #expect(await recorder.events.filter(\.isDisconnected).count == 1)
    }
}

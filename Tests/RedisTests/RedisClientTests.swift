import Foundation
import Redis
import Synchronization
import Testing

@Suite("RedisClient against the test server", .enabled(if: RedisTestEnvironment.isConfigured, "SUNDIAL_TEST_REDIS_URL not set"))
struct RedisClientTests {
    let client: RedisClient

    init() throws {
        client = RedisClient(configuration: try RedisTestEnvironment.configuration())
    }

    @Test func serverIsReachable() async throws {
        try await client.ping()
        await client.shutdown()
    }

    @Test(arguments: [
        "plain ascii",
        "Grüße, 世界 🌍 — ünïcödé",
        "",
        "line\nbreaks\r\nand\ttabs",
        String(repeating: "x", count: 256 * 1024),
    ])
    func setGetRoundTripsText(_ value: String) async throws {
        let key = RedisTestEnvironment.unique("text")
        #expect(try await client.set(key, value, px: .seconds(60)))
        #expect(try await client.get(key) == value)
        #expect(try await client.del(key) == 1)
        #expect(try await client.get(key) == nil)
        await client.shutdown()
    }

    @Test func setGetRoundTripsBinaryIncludingNULAndInvalidUTF8() async throws {
        let key = RedisTestEnvironment.unique("binary")
        let value: [UInt8] = [0x00, 0xFF, 0xFE, 0x0D, 0x0A, 0x00, 0x80, 0x24, 0x2A, 0x00] + (0...255).map(UInt8.init)
        #expect(try await client.set(key, bytes: value, px: .seconds(60)))
        #expect(try await client.getBytes(key) == value)
        await #expect {
            _ = try await client.get(key)
        } throws: { error in
            (error as? RedisError)?.code == .unexpectedReply
        }
        // Binary keys too: NUL inside a key.
        let binaryKey: [UInt8] = Array(RedisTestEnvironment.unique("k").utf8) + [0x00, 0x01]
        _ = try await client.command([Array("SET".utf8), binaryKey, [0x00]])
        #expect(try await client.command([Array("GET".utf8), binaryKey]) == .bulk([0x00]))
        _ = try await client.command([Array("DEL".utf8), binaryKey])
        await client.shutdown()
    }

    @Test func setNXOnlySetsMissingKeysAndPXExpires() async throws {
        let key = RedisTestEnvironment.unique("nx")
        #expect(try await client.set(key, "first", px: .seconds(30), nx: true))
        #expect(try await client.set(key, "second", nx: true) == false)
        #expect(try await client.get(key) == "first")
        let ttl = try #require(try await client.pttl(key))
        #expect(ttl > .seconds(20) && ttl <= .seconds(30))
        try await client.del(key)
        await client.shutdown()
    }

    @Test func setexExpireAndExists() async throws {
        let key = RedisTestEnvironment.unique("setex")
        try await client.setex(key, seconds: 100, "v")
        #expect(try await client.exists(key) == 1)
        let ttl = try #require(try await client.pttl(key))
        #expect(ttl > .seconds(90))
        #expect(try await client.expire(key, seconds: 1000))
        #expect(try #require(try await client.pttl(key)) > .seconds(900))
        #expect(try await client.pexpire(key, .milliseconds(1)))
        try await eventually(timeout: .seconds(5)) {
            guard try await client.exists(key) == 0 else { throw TestTimeout(description: "still there") }
        }
        #expect(try await client.expire(key, seconds: 10) == false)
        await client.shutdown()
    }

    @Test func invalidArgumentsAreRejectedBeforeSending() async throws {
        await #expect {
            try await client.set(RedisTestEnvironment.unique("bad"), "v", px: .zero)
        } throws: { error in
            (error as? RedisError)?.code == .invalidArgument
        }
        await #expect {
            try await client.command([String]())
        } throws: { error in
            (error as? RedisError)?.code == .invalidArgument
        }
        await client.shutdown()
    }

    @Test func serverErrorsAreThrownWithTheServerMessage() async throws {
        let key = RedisTestEnvironment.unique("wrongtype")
        _ = try await client.command(["LPUSH", key, "a"])
        await #expect {
            _ = try await client.get(key)
        } throws: { error in
            guard let error = error as? RedisError else { return false }
            return error.code == .server && error.serverErrorPrefix == "WRONGTYPE"
        }
        await #expect {
            _ = try await client.command(["NOSUCHCOMMAND"])
        } throws: { error in
            (error as? RedisError)?.serverErrorPrefix == "ERR"
        }
        // The connection stays usable after a server error.
        try await client.ping()
        try await client.del(key)
        await client.shutdown()
    }

    @Test func repliesOfEveryShapeConvert() async throws {
        let key = RedisTestEnvironment.unique("shapes")
        #expect(try await client.command(["INCRBY", key, "41"]) == .integer(41))
        #expect(try await client.command(["TYPE", key]) == .status("string"))
        #expect(try await client.command(["MGET", key, key + ":missing"]) == .array([.bulk(Array("41".utf8)), .null]))
        #expect(try await client.eval("return {1, 'two', {3}, redis.error_reply('MYERR nested')}")
            == .array([.integer(1), .bulk(Array("two".utf8)), .array([.integer(3)]), .error("MYERR nested")]))
        #expect(try await client.command(["LRANGE", key + ":empty", "0", "-1"]) == .array([]))
        try await client.del(key)
        await client.shutdown()
    }

    @Test func scanFindsEveryMatchingKey() async throws {
        let prefix = RedisTestEnvironment.unique("scan")
        let keys = (0..<250).map { "\(prefix):\($0)" }
        for key in keys {
            try await client.set(key, "v", px: .seconds(60))
        }
        try await client.set(prefix + "-other", "v", px: .seconds(60))
        let found = try await client.scan(match: prefix + ":*", count: 50)
        #expect(Set(found) == Set(keys))
        #expect(found.count == keys.count)
        #expect(try await client.keys(matching: prefix + ":1?").count == 10)
        #expect(try await client.del(keys + [prefix + "-other"]) == 251)
        await client.shutdown()
    }

    @Test func scriptSHA1MatchesServer() async throws {
        let script = RedisScript("return 'sha check ' .. ARGV[1]")
        let loaded = try await client.command(["SCRIPT", "LOAD", script.source])
        #expect(loaded.string == script.sha1)
        #expect(try await client.run(script, arguments: ["ok"]).string == "sha check ok")
        await client.shutdown()
    }

    @Test func publishCountsSubscribers() async throws {
        #expect(try await client.publish(RedisTestEnvironment.unique("nobody"), "hello") == 0)
        await client.shutdown()
    }

    /// Blocking hiredis calls must stay off the cooperative pool: while 200
    /// commands run (40 of them holding a connection for ≥ 50 ms server-side),
    /// a `Task.sleep` heartbeat keeps ticking. On the 2-thread pool of a 2-core
    /// machine, commands on the pool would stall it for over a second.
    @Test func concurrentCommandsDoNotBlockTheCooperativePool() async throws {
        let client = RedisClient(configuration: try RedisTestEnvironment.configuration(), connections: 2)
        try await client.ping()  // connect outside the measured window
        let counter = RedisTestEnvironment.unique("counter")
        let emptyList = RedisTestEnvironment.unique("empty-list")

        let done = Atomic<Bool>(false)
        let heartbeat = Task { () -> (ticks: Int, longestGap: Duration) in
            var ticks = 0
            var longestGap = Duration.zero
            var last = ContinuousClock.now
            while !done.load(ordering: .relaxed) {
                try? await Task.sleep(for: .milliseconds(5))
                let now = ContinuousClock.now
                longestGap = max(longestGap, last.duration(to: now))
                last = now
                ticks += 1
            }
            return (ticks, longestGap)
        }

        let started = ContinuousClock.now
        let results = try await withThrowingTaskGroup(of: RedisReply.self) { group in
            for index in 0..<200 {
                group.addTask {
                    if index.isMultiple(of: 5) {
                        try await client.command(["BLPOP", emptyList, "0.05"])
                    } else {
                        try await client.command(["INCR", counter])
                    }
                }
            }
            var replies: [RedisReply] = []
            for try await reply in group { replies.append(reply) }
            return replies
        }
        let elapsed = started.duration(to: .now)
        done.store(true, ordering: .relaxed)
        let beat = await heartbeat.value

        #expect(results.count == 200)
        #expect(results.filter(\.isNull).count == 40)
        #expect(try await client.get(counter) == "160")
        #expect(elapsed >= .milliseconds(900))  // 40 × ≥ 50 ms over 2 connections
        #expect(beat.ticks >= 10)
        #expect(beat.longestGap < .milliseconds(500), "heartbeat stalled for \(beat.longestGap)")
        try await client.del(counter)
        await client.shutdown()
    }

    @Test func cancellingAQueuedCommandThrowsCancellationError() async throws {
        let client = RedisClient(configuration: try RedisTestEnvironment.configuration(), connections: 1)
        let list = RedisTestEnvironment.unique("block")
        // Occupy the only connection for 1 s, then queue a command and cancel it.
        let blocker = Task { try await client.command(["BLPOP", list, "1"]) }
        try await Task.sleep(for: .milliseconds(100))
        let queued = Task { try await client.command(["PING"]) }
        try await Task.sleep(for: .milliseconds(50))
        queued.cancel()
        let started = ContinuousClock.now
        await #expect(throws: CancellationError.self) { try await queued.value }
        #expect(started.duration(to: .now) < .milliseconds(700))
        #expect(try await blocker.value == .null)
        try await client.ping()
        await client.shutdown()
    }
}

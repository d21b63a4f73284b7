import Redis
import Testing

@Suite("RedisLock", .enabled(if: RedisTestEnvironment.isConfigured, "SUNDIAL_TEST_REDIS_URL not set"))
struct RedisLockTests {
    let client: RedisClient
    let lock: RedisLock

    init() throws {
        client = RedisClient(configuration: try RedisTestEnvironment.configuration())
        lock = RedisLock(client: client)
    }

    @Test func secondHolderCannotTakeAHeldLock() async throws {
        let key = RedisTestEnvironment.unique("lock:schedule")
        let token = try #require(try await lock.acquire(key: key, ttl: .seconds(30)))
        #expect(try await lock.acquire(key: key, ttl: .seconds(30)) == nil)
        #expect(try await client.get(key) == token.rawValue)
        #expect(try await lock.release(key: key, token: token))
        await client.shutdown()
    }

    @Test func lockExpiresAfterItsTTLAndCanBeTakenThen() async throws {
        let key = RedisTestEnvironment.unique("lock:ttl")
        let first = try #require(try await lock.acquire(key: key, ttl: .milliseconds(300)))
        #expect(try await lock.acquire(key: key, ttl: .seconds(30)) == nil)
        let second = try await eventually(timeout: .seconds(5)) {
            guard let token = try await lock.acquire(key: key, ttl: .seconds(30)) else {
                throw TestTimeout(description: "lock still held")
            }
            return token
        }
        #expect(second != first)
        // The expired holder can no longer renew or release it.
        #expect(try await lock.renew(key: key, token: first, ttl: .seconds(30)) == false)
        #expect(try await lock.release(key: key, token: first) == false)
        #expect(try await client.get(key) == second.rawValue)
        #expect(try await lock.release(key: key, token: second))
        await client.shutdown()
    }

    @Test func renewByOwnerExtendsTheTTL() async throws {
        let key = RedisTestEnvironment.unique("lock:renew")
        let token = try #require(try await lock.acquire(key: key, ttl: .seconds(2)))
        #expect(try #require(try await client.pttl(key)) <= .seconds(2))
        #expect(try await lock.renew(key: key, token: token, ttl: .seconds(60)))
        let ttl = try #require(try await client.pttl(key))
        #expect(ttl > .seconds(50))
        #expect(try await lock.release(key: key, token: token))
        await client.shutdown()
    }

    @Test func wrongTokenCannotRenewOrRelease() async throws {
        let key = RedisTestEnvironment.unique("lock:wrong")
        let token = try #require(try await lock.acquire(key: key, ttl: .seconds(2)))
        let intruder = RedisLock.Token.random()
        #expect(try await lock.renew(key: key, token: intruder, ttl: .seconds(60)) == false)
        #expect(try #require(try await client.pttl(key)) <= .seconds(2))
        #expect(try await lock.release(key: key, token: intruder) == false)
        #expect(try await client.get(key) == token.rawValue)
        #expect(try await lock.release(key: key, token: token))
        await client.shutdown()
    }

    @Test func releaseByOwnerFreesTheLockOnce() async throws {
        let key = RedisTestEnvironment.unique("lock:release")
        let token = try #require(try await lock.acquire(key: key, ttl: .seconds(30)))
        #expect(try await lock.release(key: key, token: token))
        #expect(try await client.exists(key) == 0)
        #expect(try await lock.release(key: key, token: token) == false)
        #expect(try await lock.renew(key: key, token: token, ttl: .seconds(1)) == false)
        let next = try #require(try await lock.acquire(key: key, ttl: .seconds(30)))
        #expect(try await lock.release(key: key, token: next))
        await client.shutdown()
    }

    @Test func onlyOneOfManyConcurrentContendersWins() async throws {
        let key = RedisTestEnvironment.unique("lock:race")
        let lock = self.lock
        let winners = try await withThrowingTaskGroup(of: RedisLock.Token?.self) { group in
            for _ in 0..<50 {
                group.addTask { try await lock.acquire(key: key, ttl: .seconds(30)) }
            }
            var tokens: [RedisLock.Token] = []
            for try await token in group { if let token { tokens.append(token) } }
            return tokens
        }
        #expect(winners.count == 1)
        if let winner = winners.first {
            #expect(try await lock.release(key: key, token: winner))
        }
        await client.shutdown()
    }

    @Test func nonPositiveTTLIsRejected() async throws {
        await #expect {
            _ = try await lock.acquire(key: RedisTestEnvironment.unique("lock:zero"), ttl: .zero)
        } throws: { error in
            (error as? RedisError)?.code == .invalidArgument
        }
        await client.shutdown()
    }
}

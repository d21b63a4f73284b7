import Foundation
import Synchronization
import Testing

@testable import APIAuth

@Suite("Password hashing")
struct PasswordHasherTests {
    let hasher: PasswordHasher

    init() throws {
        hasher = try PasswordHasher(cost: .testing, pool: testHashingPool)
    }

    @Test func hashIsSelfDescribingSaltedScrypt() async throws {
        let encoded = try await hasher.hash("correct horse battery staple")
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        #expect(parts.count == 6)
        #expect(parts[0] == "scrypt")
        #expect(parts[1] == "1024" && parts[2] == "8" && parts[3] == "1")
        #expect(Base64URL.decode(parts[4])?.count == PasswordHasher.saltByteCount)
        #expect(Base64URL.decode(parts[5])?.count == PasswordHasher.hashByteCount)
        #expect(!encoded.contains("correct horse"))

        let again = try await hasher.hash("correct horse battery staple")
        #expect(again != encoded, "a fresh salt every time")
    }

    @Test func verifiesOnlyTheRightPassword() async throws {
        let encoded = try await hasher.hash("s3cret-passw0rd")
        #expect(try await hasher.verify("s3cret-passw0rd", against: encoded))
        #expect(try await !hasher.verify("s3cret-passw0rD", against: encoded))
        #expect(try await !hasher.verify("", against: encoded))
        #expect(try await !hasher.verify("s3cret-passw0rd ", against: encoded))
    }

    @Test func unicodePasswordsMatchAcrossNormalizationForms() async throws {
        let composed = "caf\u{E9}-p\u{E4}ssw\u{F6}rd-🔑"
        let decomposed = "cafe\u{301}-pa\u{308}sswo\u{308}rd-🔑"
        #expect(Array(composed.utf8) != Array(decomposed.utf8))
        let encoded = try await hasher.hash(composed)
        #expect(try await hasher.verify(decomposed, against: encoded))
    }

    @Test func aHashMadeWithOtherParametersStillVerifiesAndAsksForRehash() async throws {
        let stronger = try PasswordHasher(cost: .init(n: 2048, r: 8, p: 2), pool: testHashingPool)
        let encoded = try await stronger.hash("migrating-password")
        #expect(encoded.hasPrefix("scrypt$2048$8$2$"))
        #expect(try await hasher.verify("migrating-password", against: encoded))
        #expect(hasher.needsRehash(encoded))
        #expect(!stronger.needsRehash(encoded))
        #expect(hasher.needsRehash("not a hash"))
    }

    @Test(arguments: [
        "",
        "plain-password",
        "scrypt$1024$8$1$c2FsdA$",
        "scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  // N not a power of two
        "scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  // absurd N
        "scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA$extra",
        "bcrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "scrypt$1024$8$1$AAAA AAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ])
    func malformedStoredHashesNeverMatch(encoded: String) async throws {
        #expect(try await !hasher.verify("plain-password", against: encoded))
    }

    @Test func refusesCostsOutsideTheAcceptedRange() {
        #expect(throws: AuthError.self) { try PasswordHasher(cost: .init(n: 16, r: 8, p: 1)) }
        #expect(throws: AuthError.self) { try PasswordHasher(cost: .init(n: 3000, r: 8, p: 1)) }
        #expect(throws: AuthError.self) { try PasswordHasher(cost: .init(n: 1 << 15, r: 0, p: 1)) }
        #expect(throws: Never.self) { try PasswordHasher(cost: .production) }
    }

    @Test func productionCostIsStrong() {
        // 32 MiB per hash and OWASP's minimum for scrypt (N=2^15, r=8, p=3 or stronger).
        #expect(PasswordHasher.Cost.production.n >= 1 << 15)
        #expect(PasswordHasher.Cost.production.r >= 8)
        #expect(PasswordHasher.Cost.production.n * PasswordHasher.Cost.production.p >= 3 << 15)
    }

    @Test func constantTimeComparison() {
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(constantTimeEquals([UInt8](), []))
    }
}

@Suite("Blocking work pool")
struct BlockingWorkPoolTests {
    @Test func runsWorkOnItsOwnThreads() async throws {
        let pool = BlockingWorkPool(label: "test.pool", threads: 2)
        defer { pool.shutdown() }
        let threads = try await withThrowingTaskGroup(of: pthread_t.self) { group in
            for _ in 0..<8 { group.addTask { try await pool.run { pthread_self() } } }
            return try await group.reduce(into: Set<pthread_t>()) { $0.insert($1) }
        }
        #expect(!threads.isEmpty)
        #expect(threads.isSubset(of: pool.ownThreads), "work ran on \(threads), the pool's threads are \(pool.ownThreads)")
        #expect(pool.ownThreads.count <= 2)
    }

    @Test func propagatesErrors() async {
        struct Boom: Error {}
        let pool = BlockingWorkPool(label: "test.errors", threads: 1)
        defer { pool.shutdown() }
        await #expect(throws: Boom.self) { try await pool.run { () throws -> Int in throw Boom() } }
    }

    @Test func refusesWorkBeyondTheQueueLimitInsteadOfQueueingForever() async throws {
        let pool = BlockingWorkPool(label: "test.full", threads: 1, maxQueued: 1)
        defer { pool.shutdown() }
        let gate = DispatchSemaphore(value: 0)
        let started = Flag()
        // One job occupies the only thread, one waits in the queue: a third is refused.
        let running = Task {
            try await pool.run {
                started.set()
                gate.wait()
            }
        }
        try await waitUntil("the first job runs") { started.isSet }
        let queued = Task { try await pool.run { 42 } }
        try await waitUntil("the second job is queued") { pool.pendingCount == 1 }
        await #expect(throws: AuthError(.busy, "too many requests are waiting for test.full")) {
            try await pool.run { 0 }
        }
        gate.signal()
        try await running.value
        #expect(try await queued.value == 42)
    }

    @Test func aFullPoolAnswers503WithRetryAfter() {
        let error = AuthError(.busy, "too many requests are waiting").apiError
        #expect(error.status == .serviceUnavailable)
        #expect(error.headers[.retryAfter] == "1")
        #expect(error.code == "busy")
    }

    @Test func shutdownFinishesQueuedWorkThenRefusesMore() async throws {
        let pool = BlockingWorkPool(label: "test.shutdown", threads: 1)
        #expect(try await pool.run { 1 } == 1)
        pool.shutdown()
        await #expect(throws: AuthError.self) { try await pool.run { 2 } }
    }
}

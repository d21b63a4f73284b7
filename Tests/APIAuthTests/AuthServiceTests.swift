import APISupport
import Foundation
import Postgres
import Testing

@testable import APIAuth

/// `AuthService` directly, against a real Postgres (a fresh database per test).
@Suite("Auth service (real Postgres)", .enabled(if: AuthTestDatabase.isConfigured), .timeLimit(.minutes(2)))
struct AuthServiceTests {
    func passwordHash(_ pool: PostgresPool, _ username: String) async throws -> String? {
        try await pool.queryFirst("SELECT password_hash FROM users WHERE username = $1", .text(username))?
            .decode(String.self, at: "password_hash")
    }

    @Test func bootstrapCreatesTheAdminWithTheConfiguredPassword() async throws {
        try await AuthTestDatabase.withMigratedDatabase { pool in
            let service = try makeService(pool)
            #expect(try await service.bootstrapAdmin(username: "admin", password: "configured-pw") == nil)
            let token = try await service.login(username: "admin", password: "configured-pw")
            #expect(token.claims.role == "admin")
            #expect(token.claims.username == "admin")
            #expect(token.expiresIn == 3600)
            #expect(token.claims.exp - token.claims.iat == 3600)

            // Again with the same password: nothing changes (not even the salt).
            let before = try await passwordHash(pool, "admin")
            #expect(try await service.bootstrapAdmin(username: "admin", password: "configured-pw") == nil)
            #expect(try await passwordHash(pool, "admin") == before)

            // A new configured password replaces the old one.
            #expect(try await service.bootstrapAdmin(username: "admin", password: "rotated-pw-2") == nil)
            await #expect(throws: AuthError.self) {
                try await service.login(username: "admin", password: "configured-pw")
            }
            #expect(try await service.login(username: "admin", password: "rotated-pw-2").claims.role == "admin")
        }
    }

    @Test func bootstrapWithoutAPasswordGeneratesOneOnce() async throws {
        try await AuthTestDatabase.withMigratedDatabase { pool in
            let service = try makeService(pool)
            let generated = try #require(try await service.bootstrapAdmin(username: "admin", password: nil))
            #expect(generated.count >= 20)
            #expect(try await service.login(username: "admin", password: generated).claims.role == "admin")
            // Next start: the admin exists, its password is kept and nothing is generated.
            #expect(try await service.bootstrapAdmin(username: "admin", password: nil) == nil)
            #expect(try await service.login(username: "admin", password: generated).claims.role == "admin")
            // Another admin name without a password: an admin exists already, so no second account.
            #expect(try await service.bootstrapAdmin(username: "other-admin", password: nil) == nil)
            #expect(try await passwordHash(pool, "other-admin") == nil)
        }
    }

    @Test func concurrentBootstrapsCreateOneAdmin() async throws {
        try await AuthTestDatabase.withMigratedDatabase { pool in
            let service = try makeService(pool)
            let results = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<4 { group.addTask { try await service.bootstrapAdmin(username: "admin", password: nil) } }
                return try await group.reduce(into: [String?]()) { $0.append($1) }
            }
            let generated = results.compactMap { $0 }
            #expect(generated.count == 1, "only the replica that created the admin reports a password")
            #expect(
                try await service.login(username: "admin", password: try #require(generated.first)).claims.role
                    == "admin")
        }
    }

    @Test func bootstrapPromotesAnExistingUserAndRejectsBadConfiguration() async throws {
        try await AuthTestDatabase.withMigratedDatabase { pool in
            let service = try makeService(pool)
            try await service.bootstrapAdmin(username: "admin", password: "admin-password")
            let admin = Identity(userID: UUID(), username: "admin", role: .admin)
            _ = try await service.createUser(by: admin, username: "ops", password: "ops-password", role: .user)
            #expect(try await service.bootstrapAdmin(username: "ops", password: nil) == nil)
            #expect(try await service.login(username: "ops", password: "ops-password").claims.role == "admin")

            await #expect(throws: AuthError.self) {
                try await service.bootstrapAdmin(username: "bad name", password: "long-enough")
            }
            await #expect(throws: AuthError.self) {
                try await service.bootstrapAdmin(username: "admin", password: "short")
            }
        }
    }

    @Test func loginUpgradesHashesMadeWithAnOlderCost() async throws {
        try await AuthTestDatabase.withMigratedDatabase { pool in
            let service = try makeService(pool)
            let weaker = try PasswordHasher(cost: .init(n: 2048, r: 4, p: 1), pool: testHashingPool)
            let old = try await weaker.hash("legacy-password")
            try await pool.execute(
                "INSERT INTO users (username, password_hash, role) VALUES ('legacy', $1, 'user')", .text(old))
            _ = try await service.login(username: "legacy", password: "legacy-password")
            let upgraded = try #require(try await passwordHash(pool, "legacy"))
            #expect(upgraded != old)
            #expect(!service.hasher.needsRehash(upgraded))
            #expect(
                try await service.login(username: "legacy", password: "legacy-password").claims.username == "legacy")
        }
    }

    @Test func authenticateReturnsTheIdentityFromTheDatabase() async throws {
        try await AuthTestDatabase.withMigratedDatabase { pool in
            let service = try makeService(pool)
            try await service.bootstrapAdmin(username: "admin", password: "admin-password")
            let token = try await service.login(username: "admin", password: "admin-password")
            let identity = try #require(try await service.authenticate(bearer: token.token))
            #expect(identity.username == "admin")
            #expect(identity.role == .admin)
            #expect(identity.scope == .user)
            #expect(identity.keyID == nil)
            #expect(identity.isAdmin)
            #expect(try await service.authenticate(bearer: "sk_\u{0}") == nil)
            #expect(try await service.authenticate(bearer: "") == nil)
        }
    }

    @Test func keyUseIsRecordedAtMostOncePerInterval() async throws {
        let clock = TestClock()
        try await AuthTestDatabase.withMigratedDatabase { pool in
            let service = try makeService(pool, clock: clock)
            try await service.bootstrapAdmin(username: "admin", password: "admin-password")
            let admin = try #require(
                try await service.authenticate(
                    bearer: try await service.login(
                        username: "admin", password: "admin-password"
                    ).token))
            let key = try await service.createAPIKey(by: admin, name: "k", scope: .user)
            #expect(key.record.lastUsedAt == nil)

            func lastUsed() async throws -> Date? {
                try await service.listAPIKeys(by: admin).first?.lastUsedAt
            }
            #expect(try await service.authenticate(bearer: key.secret)?.keyID == key.record.id)
            try await waitUntil("the first use is recorded") { try await lastUsed() != nil }
            let first = try #require(try await lastUsed())

            // Uses within the minute write nothing.
            clock.advance(by: 30)
            for _ in 0..<5 { _ = try await service.authenticate(bearer: key.secret) }
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await lastUsed() == first)

            // A use a minute later is recorded.
            clock.advance(by: 31)
            _ = try await service.authenticate(bearer: key.secret)
            try await waitUntil("the later use is recorded") { try await lastUsed() != first }
            let second = try #require(try await lastUsed())
            #expect(second.timeIntervalSince(first) > 60)
        }
    }

    @Test func insecureConfigurationIsRefused() async throws {
        try await AuthTestDatabase.withMigratedDatabase { pool in
            #expect(throws: AuthError.self) {
                try AuthService(
                    database: pool, configuration: .init(jwtSecret: "short"), logger: AuthTestDatabase.logger)
            }
            #expect(throws: AuthError.self) {
                try AuthService(
                    database: pool, configuration: .init(jwtSecret: testSecret, tokenLifetimeSeconds: 0),
                    logger: AuthTestDatabase.logger)
            }
        }
    }
}

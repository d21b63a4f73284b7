import APISupport
import Foundation
import Logging
import Postgres
import Synchronization

/// Settings of `AuthService`.
public struct AuthConfiguration: Sendable {
    /// HS256 key for access tokens (`SUNDIAL_JWT_SECRET`), at least 16 bytes.
    public var jwtSecret: String
    /// Access token lifetime (`SUNDIAL_TOKEN_LIFETIME`).
    public var tokenLifetimeSeconds: Int
    /// scrypt parameters for new password hashes.
    public var passwordCost: PasswordHasher.Cost
    /// An API key's `last_used_at` is written at most this often.
    public var keyUsageRecordInterval: TimeInterval
    /// How long a verified credential is trusted without asking the database again (0: never
    /// cached). With caching, a role change or a deleted user or key takes effect within this
    /// time on other API replicas (a key deleted through this process at once).
    public var identityCacheSeconds: TimeInterval

    public init(
        jwtSecret: String, tokenLifetimeSeconds: Int = 86_400, passwordCost: PasswordHasher.Cost = .production,
        keyUsageRecordInterval: TimeInterval = 60, identityCacheSeconds: TimeInterval = 0
    ) {
        self.identityCacheSeconds = max(0, identityCacheSeconds)
        self.jwtSecret = jwtSecret
        self.tokenLifetimeSeconds = tokenLifetimeSeconds
        self.passwordCost = passwordCost
        self.keyUsageRecordInterval = keyUsageRecordInterval
    }
}

/// Users, passwords, access tokens and API keys.
///
/// Authorization of the operations here (who may create users or keys) is
/// checked here too, from the caller's `Identity`, so every entry point (REST,
/// WebSocket, tests) gets the same rules.
public final class AuthService: Sendable {
    public let configuration: AuthConfiguration
    public let hasher: PasswordHasher
    let store: AuthStore
    private let signer: JWTSigner
    private let logger: Logger
    private let now: @Sendable () -> Date
    /// Keys whose use this process recorded recently (throttles `last_used_at` writes).
    private let keyUses = Mutex<[UUID: Date]>([:])
    /// Verified against when the username is unknown, so failures take the same time.
    private let dummyHash = Mutex<String?>(nil)
    /// Recently verified credentials (see `identityCacheSeconds`).
    private let identities = Mutex<[String: (identity: Identity, validUntil: Date)]>([:])

    public init(
        database: any PostgresQueryable, configuration: AuthConfiguration, logger: Logger,
        hashingPool: BlockingWorkPool = .shared, now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        guard configuration.tokenLifetimeSeconds > 0 else {
            throw AuthError(.invalidConfiguration, "the token lifetime must be positive")
        }
        self.configuration = configuration
        self.store = AuthStore(database: database)
        self.hasher = try PasswordHasher(cost: configuration.passwordCost, pool: hashingPool)
        self.signer = try JWTSigner(secret: configuration.jwtSecret)
        self.logger = logger
        self.now = now
    }

    // MARK: Start-up

    /// Makes sure the configured admin exists. Creates it when missing; an existing
    /// user of that name becomes admin and, when `password` is given and no longer
    /// matches, gets it as its password. When no password is given and no admin
    /// exists at all, a random one is generated and returned (log it once); in
    /// every other case the result is nil.
    @discardableResult
    public func bootstrapAdmin(username: String, password: String?) async throws -> String? {
        do {
            try UserRules.validateUsername(username)
            if let password { try UserRules.validatePassword(password) }
        } catch {
            throw AuthError(.invalidConfiguration, "admin account: \(error.message)")
        }

        if let existing = try await store.credentials(username: username) {
            if existing.user.role != .admin {
                try await store.setRole(userID: existing.user.id, role: .admin)
                logger.notice("promoted the configured admin user", metadata: ["username": "\(username)"])
            }
            if let password, try await !hasher.verify(password, against: existing.passwordHash) {
                try await store.updatePasswordHash(userID: existing.user.id, to: try await hasher.hash(password))
                logger.notice("updated the admin password from configuration", metadata: ["username": "\(username)"])
            }
            return nil
        }

        var generated: String?
        if password == nil {
            // Another admin is enough: do not invent a second account nobody asked for.
            if try await store.anyAdminExists() { return nil }
            generated = Self.generatePassword()
        }
        guard let chosen = password ?? generated else { return nil }
        let hash = try await hasher.hash(chosen)
        guard try await store.insertUser(username: username, passwordHash: hash, role: .admin) != nil else {
            // Another replica created it at the same moment: its password stands.
            return try await bootstrapAdmin(username: username, password: password)
        }
        logger.notice("created the admin user", metadata: ["username": "\(username)"])
        return generated
    }

    /// 24 characters of base64url (144 random bits).
    static func generatePassword() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<18).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    // MARK: Login and tokens

    /// A token for valid credentials; `AuthError.invalidCredentials` otherwise
    /// (the same error, after the same work, whether the user exists or not).
    public func login(username: String, password: String) async throws -> AccessToken {
        let invalid = AuthError(.invalidCredentials, "Incorrect username or password")
        let plausible = !username.isEmpty && username.count <= 200 && !username.utf8.contains(0)
        guard plausible, let found = try await store.credentials(username: username) else {
            _ = try await hasher.verify(password, against: await dummyPasswordHash())
            throw invalid
        }
        guard try await hasher.verify(password, against: found.passwordHash) else { throw invalid }
        if hasher.needsRehash(found.passwordHash) {
            // The cost was raised since this hash was made: upgrade it while we know the password.
            do {
                try await store.replacePasswordHash(
                    userID: found.user.id, old: found.passwordHash, new: try await hasher.hash(password))
            } catch {
                logger.warning("could not upgrade a password hash", metadata: ["error": "\(error)"])
            }
        }
        return try issueToken(for: found.user)
    }

    /// A signed access token for `user`, valid for the configured lifetime.
    public func issueToken(for user: UserRecord) throws -> AccessToken {
        let issuedAt = Int(now().timeIntervalSince1970.rounded(.down))
        let claims = AccessTokenClaims(
            sub: user.id.uuidString.lowercased(), username: user.username, role: user.role.rawValue, iat: issuedAt,
            exp: issuedAt + configuration.tokenLifetimeSeconds)
        return AccessToken(
            token: try signer.sign(claims), expiresIn: configuration.tokenLifetimeSeconds, claims: claims)
    }

    private func dummyPasswordHash() async throws -> String {
        if let hash = dummyHash.withLock({ $0 }) { return hash }
        let hash = try await hasher.hash(Self.generatePassword())
        dummyHash.withLock { $0 = $0 ?? hash }
        return hash
    }

    // MARK: Authentication

    /// The caller behind a bearer credential (a JWT or an `sk_` API key), or nil
    /// when it is malformed, expired, forged, revoked, or its user is gone. The
    /// role and username come from the database, not from the token. Throws only
    /// when the database cannot be asked.
    public func authenticate(bearer credential: String) async throws -> Identity? {
        let now = now()
        let ttl = configuration.identityCacheSeconds
        guard ttl > 0 else { return try await authenticateUncached(credential) }
        if let cached = identities.withLock({ $0[credential] }), now < cached.validUntil {
            if let keyID = cached.identity.keyID { recordKeyUse(keyID, lastUsedAt: nil) }
            return cached.identity
        }
        let identity = try await authenticateUncached(credential)
        if let identity {
            identities.withLock { cache in
                if cache.count >= 10_000 { cache = cache.filter { now < $0.value.validUntil } }
                if cache.count < 10_000 { cache[credential] = (identity, now.addingTimeInterval(ttl)) }
            }
        }
        return identity
    }

    private func authenticateUncached(_ credential: String) async throws -> Identity? {
        if APIKeySecret.isKeyLike(credential) {
            guard let secret = APIKeySecret(parsing: credential),
                let found = try await store.keyIdentity(hash: secret.hash)
            else { return nil }
            if let keyID = found.identity.keyID { recordKeyUse(keyID, lastUsedAt: found.lastUsedAt) }
            return found.identity
        }
        guard let claims = try? signer.verify(credential, now: now()), let userID = UUID(uuidString: claims.sub),
            let user = try await store.user(id: userID)
        else { return nil }
        return Identity(userID: user.id, username: user.username, role: user.role)
    }

    /// Writes `last_used_at` in the background, at most once per interval per key
    /// (checked against the stored value and against this process's own recent writes).
    private func recordKeyUse(_ keyID: UUID, lastUsedAt: Date?) {
        let now = now()
        let interval = configuration.keyUsageRecordInterval
        if let lastUsedAt, now.timeIntervalSince(lastUsedAt) < interval { return }
        let claimed = keyUses.withLock { uses -> Bool in
            if let last = uses[keyID], now.timeIntervalSince(last) < interval { return false }
            if uses.count >= 10_000 { uses = uses.filter { now.timeIntervalSince($0.value) < interval } }
            uses[keyID] = now
            return true
        }
        guard claimed else { return }
        let store = store
        let logger = logger
        Task {
            do {
                try await store.touchKey(id: keyID, now: now, interval: interval)
            } catch {
                logger.debug("could not record an API key's use", metadata: ["error": "\(error)"])
            }
        }
    }

    // MARK: Users

    public func user(id: UUID) async throws -> UserRecord? {
        try await store.user(id: id)
    }

    /// Admins only (not through an agent-scoped key).
    public func createUser(by caller: Identity, username: String, password: String, role: Identity.Role)
        async throws -> UserRecord
    {
        try AuthPolicy.requireUserAdministration(caller)
        try UserRules.validateUsername(username)
        try UserRules.validatePassword(password)
        let hash = try await hasher.hash(password)
        guard let user = try await store.insertUser(username: username, passwordHash: hash, role: role) else {
            throw AuthError(.usernameTaken, "Username already exists")
        }
        logger.info(
            "user created",
            metadata: ["username": "\(username)", "role": "\(role.rawValue)", "by": "\(caller.username)"])
        return user
    }

    /// Every user, newest first. Admins only.
    public func listUsers(by caller: Identity) async throws -> [UserRecord] {
        try AuthPolicy.requireUserAdministration(caller)
        return try await store.users()
    }

    // MARK: API keys

    /// A new key owned by the caller. An agent key needs an agent the caller owns
    /// (or any agent, for an admin); another user's agent is reported as not found.
    public func createAPIKey(by caller: Identity, name: String, scope: Identity.Scope) async throws -> CreatedAPIKey {
        try AuthPolicy.requireKeyManagement(caller)
        try UserRules.validateKeyName(name)
        if case .agent(let agent) = scope {
            let owner = agent.utf8.contains(0) ? nil : try await store.agentOwner(name: agent)
            guard let owner, owner == caller.userID || caller.isAdmin else {
                throw AuthError(.notFound, "Agent not found")
            }
        }
        let secret = APIKeySecret.generate()
        do {
            let record = try await store.insertKey(name: name, owner: caller.userID, scope: scope, secret: secret)
            logger.info(
                "API key created",
                metadata: ["key_id": "\(record.id)", "scope": "\(scope.kind)", "by": "\(caller.username)"])
            return CreatedAPIKey(record: record, secret: secret.text)
        } catch let error as PostgresError where error.code == .foreignKeyViolation {
            // The agent (or the caller) was deleted meanwhile.
            throw AuthError(.notFound, "Agent not found")
        }
    }

    /// The caller's keys, newest first, without secrets.
    public func listAPIKeys(by caller: Identity) async throws -> [APIKeyRecord] {
        try AuthPolicy.requireKeyManagement(caller)
        return try await store.keys(owner: caller.userID)
    }

    /// Deletes one of the caller's keys. Any other id (unknown, malformed, another
    /// user's) is `notFound`.
    public func deleteAPIKey(by caller: Identity, id: String) async throws {
        try AuthPolicy.requireKeyManagement(caller)
        // Two guards, not `guard let …, try await …`: that form crashes the Swift 6.3.1 optimiser
        // (signal 11 in CoroSplit) in release builds.
        guard let keyID = UUID(uuidString: id) else { throw AuthError(.notFound, "API key not found") }
        let deleted = try await store.deleteKey(id: keyID, owner: caller.userID)
        guard deleted else { throw AuthError(.notFound, "API key not found") }
        identities.withLock { cache in cache = cache.filter { $0.value.identity.keyID != keyID } }
        logger.info("API key deleted", metadata: ["key_id": "\(keyID)", "by": "\(caller.username)"])
    }
}

/// Who may do what in this module.
public enum AuthPolicy {
    /// Creating and listing users: an admin acting as a user (JWT or user key).
    public static func requireUserAdministration(_ caller: Identity) throws(AuthError) {
        if caller.agentScope != nil { throw AuthError(.forbidden, "Agent-scoped API keys cannot manage users") }
        guard caller.isAdmin else { throw AuthError(.forbidden, "Admin privileges required") }
    }

    /// Creating, listing and deleting API keys: any user, but not an agent key.
    public static func requireKeyManagement(_ caller: Identity) throws(AuthError) {
        if caller.agentScope != nil { throw AuthError(.forbidden, "Agent-scoped API keys cannot manage API keys") }
    }
}

/// The rules for usernames, passwords and key names.
public enum UserRules {
    public static let usernameLength = 1...64
    public static let passwordLength = 8...1024
    public static let keyNameLength = 1...200

    /// 1–64 characters of `[A-Za-z0-9_.@-]`.
    public static func validateUsername(_ username: String) throws(AuthError) {
        guard usernameLength.contains(username.utf8.count) else {
            throw AuthError(.invalidField, "username: must be 1 to 64 characters long")
        }
        let allowed = username.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "@"),
                UInt8(ascii: "-"):
                true
            default: false
            }
        }
        guard allowed else {
            throw AuthError(.invalidField, "username: may contain only letters, digits and _ . @ -")
        }
    }

    /// 8–1024 characters, no NUL.
    public static func validatePassword(_ password: String) throws(AuthError) {
        guard passwordLength.contains(password.count) else {
            throw AuthError(.invalidField, "password: must be 8 to 1024 characters long")
        }
        guard !password.utf8.contains(0) else {
            throw AuthError(.invalidField, "password: must not contain NUL characters")
        }
    }

    /// 1–200 characters, no NUL.
    public static func validateKeyName(_ name: String) throws(AuthError) {
        // Counted in code points, as Postgres' char_length counts them.
        guard keyNameLength.contains(name.unicodeScalars.count) else {
            throw AuthError(.invalidField, "name: must be 1 to 200 characters long")
        }
        guard !name.utf8.contains(0) else { throw AuthError(.invalidField, "name: must not contain NUL characters") }
    }
}

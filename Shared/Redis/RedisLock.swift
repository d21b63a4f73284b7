/// Expiring locks with owner tokens, as in the architecture's
/// `sundial:lock:schedule:{id}`: `SET key token NX PX ttl` to take,
/// compare-and-`PEXPIRE` to renew, compare-and-`DEL` to release.
///
/// Only the holder of the token can renew or release; a holder that stalls past
/// the TTL loses the lock and its later renew/release returns false.
public struct RedisLock: Sendable {
    /// A random 128-bit owner token (32 lower-case hex digits).
    public struct Token: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String

        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// A new token from the system's secure random source.
        public static func random() -> Token {
            var generator = SystemRandomNumberGenerator()
            let high = generator.next() as UInt64
            let low = generator.next() as UInt64
            return Token(rawValue: hex(high) + hex(low))
        }

        public var description: String { rawValue }

        private static func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
    }

    static let renewScript = RedisScript("""
        if redis.call('GET', KEYS[1]) == ARGV[1] then
            return redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        return 0
        """)

    static let releaseScript = RedisScript("""
        if redis.call('GET', KEYS[1]) == ARGV[1] then
            return redis.call('DEL', KEYS[1])
        end
        return 0
        """)

    /// The compare-and-delete script, for callers that pipeline releases.
    public static var releaseScriptSource: String { releaseScript.source }

    public let client: RedisClient

    public init(client: RedisClient) {
        self.client = client
    }

    /// Takes the lock for `ttl` (rounded up to whole milliseconds, at least 1 ms).
    /// Returns the owner token, or nil when someone else holds it.
    public func acquire(key: String, ttl: Duration) async throws -> Token? {
        let token = Token.random()
        let taken = try await client.set(key, token.rawValue, px: ttl, nx: true)
        return taken ? token : nil
    }

    /// Extends the lock to `ttl` from now if `token` still owns it.
    public func renew(key: String, token: Token, ttl: Duration) async throws -> Bool {
        let millis = try RedisClient.milliseconds(ttl, for: "ttl")
        let reply = try await client.run(Self.renewScript, keys: [key], arguments: [token.rawValue, String(millis)])
        return try Self.flag(reply, "renew")
    }

    /// Deletes the lock if `token` still owns it.
    public func release(key: String, token: Token) async throws -> Bool {
        let reply = try await client.run(Self.releaseScript, keys: [key], arguments: [token.rawValue])
        return try Self.flag(reply, "release")
    }

    private static func flag(_ reply: RedisReply, _ operation: String) throws(RedisError) -> Bool {
        guard let value = reply.integer else {
            throw RedisError(.unexpectedReply, "lock \(operation) script answered \(reply)")
        }
        return value == 1
    }
}

import Crypto
import Foundation
import CryptoExtras

/// Salted, memory-hard password hashes (scrypt, from swift-crypto's extras) in a
/// self-describing text form:
///
///     scrypt$<N>$<r>$<p>$<salt, base64url>$<hash, base64url>
///
/// so a hash made with older parameters still verifies after the cost is raised
/// (and `needsRehash` says when to upgrade it). The work runs on a
/// `BlockingWorkPool`, never on the cooperative thread pool.
public struct PasswordHasher: Sendable {
    /// scrypt's cost parameters.
    public struct Cost: Sendable, Hashable, CustomStringConvertible {
        /// CPU/memory cost N (a power of two); memory used is 128·N·r bytes.
        public var n: Int
        /// Block size r.
        public var r: Int
        /// Parallelism p (computed sequentially here: more time, not more memory).
        public var p: Int

        public init(n: Int, r: Int, p: Int) {
            self.n = n
            self.r = r
            self.p = p
        }

        /// One of OWASP's scrypt settings, N=2^15, r=8, p=3: 32 MiB and about 135 ms
        /// per hash (release build, one core of the 2-core development machine).
        public static let production = Cost(n: 1 << 15, r: 8, p: 3)
        /// For tests only: fast, and far too weak for real passwords.
        public static let testing = Cost(n: 1 << 10, r: 8, p: 1)

        /// Parameters a stored hash may name. Bounds the work (and memory) a
        /// tampered or corrupt row can make the server do.
        static let acceptedN = (1 << 10)...(1 << 20)
        static let acceptedR = 1...32
        static let acceptedP = 1...16

        var isAccepted: Bool {
            Self.acceptedN.contains(n) && n.nonzeroBitCount == 1 && Self.acceptedR.contains(r)
                && Self.acceptedP.contains(p) && 128 * n * r <= 256 << 20
        }

        public var description: String { "scrypt(N=\(n), r=\(r), p=\(p))" }
    }

    public static let saltByteCount = 16
    public static let hashByteCount = 32

    public let cost: Cost
    private let pool: BlockingWorkPool

    /// Throws `invalidConfiguration` for parameters outside the accepted range.
    public init(cost: Cost = .production, pool: BlockingWorkPool = .shared) throws {
        guard cost.isAccepted else {
            throw AuthError(.invalidConfiguration, "password hashing cost \(cost) is out of range")
        }
        self.cost = cost
        self.pool = pool
    }

    /// A new encoded hash of `password` with a fresh random salt.
    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await pool.run { try Self.hashBlocking(password, cost: cost) }
    }

    /// True when `password` matches `encoded`. A malformed or out-of-range
    /// `encoded` never matches (and costs nothing).
    public func verify(_ password: String, against encoded: String) async throws -> Bool {
        guard let parsed = EncodedHash(encoded) else { return false }
        return try await pool.run { try Self.verifyBlocking(password, parsed) }
    }

    /// True when `encoded` was made with parameters other than the current
    /// cost (or cannot be read), so it should be replaced after a successful login.
    public func needsRehash(_ encoded: String) -> Bool {
        guard let parsed = EncodedHash(encoded) else { return true }
        return parsed.cost != cost
    }

    // MARK: Blocking work (runs on the pool's threads)

    static func hashBlocking(_ password: String, cost: Cost) throws -> String {
        var salt = [UInt8](repeating: 0, count: saltByteCount)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        let derived = try derive(password, salt: salt, cost: cost)
        return EncodedHash(cost: cost, salt: salt, hash: derived).text
    }

    static func verifyBlocking(_ password: String, _ encoded: EncodedHash) throws -> Bool {
        let derived = try derive(password, salt: encoded.salt, cost: encoded.cost, outputByteCount: encoded.hash.count)
        return constantTimeEquals(derived, encoded.hash)
    }

    /// Passwords are compared as NFC-normalized UTF-8, so the same password typed
    /// on systems that compose accents differently still matches.
    static func derive(_ password: String, salt: [UInt8], cost: Cost, outputByteCount: Int = hashByteCount) throws
        -> [UInt8]
    {
        let bytes = Array(password.precomposedStringWithCanonicalMapping.utf8)
        let key = try KDF.Scrypt.deriveKey(
            from: bytes, salt: salt, outputByteCount: outputByteCount, rounds: cost.n, blockSize: cost.r,
            parallelism: cost.p)
        return key.withUnsafeBytes { Array($0) }
    }

    /// The parsed form of `scrypt$N$r$p$salt$hash`.
    struct EncodedHash: Sendable, Equatable {
        var cost: Cost
        var salt: [UInt8]
        var hash: [UInt8]

        init(cost: Cost, salt: [UInt8], hash: [UInt8]) {
            self.cost = cost
            self.salt = salt
            self.hash = hash
        }

        init?(_ text: String) {
            let parts = text.split(separator: "$", omittingEmptySubsequences: false)
            guard parts.count == 6, parts[0] == "scrypt",
                let n = Int(parts[1]), let r = Int(parts[2]), let p = Int(parts[3]),
                let salt = Base64URL.decode(parts[4]), let hash = Base64URL.decode(parts[5]),
                (8...64).contains(salt.count), (16...64).contains(hash.count)
            else { return nil }
            let cost = Cost(n: n, r: r, p: p)
            guard cost.isAccepted else { return nil }
            self.init(cost: cost, salt: salt, hash: hash)
        }

        var text: String {
            "scrypt$\(cost.n)$\(cost.r)$\(cost.p)$\(Base64URL.encode(salt))$\(Base64URL.encode(hash))"
        }
    }
}

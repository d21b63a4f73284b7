import Crypto
import Foundation
import Testing

@testable import APIAuth

@Suite("JWT HS256")
struct JWTTests {
    let signer: JWTSigner
    let now = Date(timeIntervalSince1970: 1_700_000_000)
    let claims = AccessTokenClaims(
        sub: "0b8e2f64-4c55-4a3e-9d55-6f1f0e2e7a10", username: "alice", role: "user", iat: 1_700_000_000,
        exp: 1_700_003_600)

    init() throws {
        signer = try JWTSigner(secret: testSecret)
    }

    @Test func signsAndVerifiesAStandardToken() throws {
        let token = try signer.sign(claims)
        let parts = token.split(separator: ".")
        #expect(parts.count == 3)
        let header = try #require(Base64URL.decode(parts[0]))
        #expect(String(decoding: header, as: UTF8.self) == #"{"alg":"HS256","typ":"JWT"}"#)
        let payload = try JSONSerialization.jsonObject(with: Data(try #require(Base64URL.decode(parts[1]))))
        let fields = try #require(payload as? [String: Any])
        #expect(fields["sub"] as? String == claims.sub)
        #expect(fields["username"] as? String == "alice")
        #expect(fields["role"] as? String == "user")
        #expect(fields["iat"] as? Int == claims.iat)
        #expect(fields["exp"] as? Int == claims.exp)
        #expect(try signer.verify(token, now: now) == claims)
    }

    @Test func matchesAnIndependentHMACComputation() throws {
        // The signature is HMAC-SHA256 over "header.payload" with the secret, as RFC 7515 says.
        let token = try signer.sign(claims)
        let dot = try #require(token.lastIndex(of: "."))
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array(token[..<dot].utf8), using: SymmetricKey(data: Array(testSecret.utf8)))
        #expect(Base64URL.encode(mac) == String(token[token.index(after: dot)...]))
    }

    @Test func expiresAtExp() throws {
        let token = try signer.sign(claims)
        #expect(throws: Never.self) { try signer.verify(token, now: Date(timeIntervalSince1970: 1_700_003_599)) }
        #expect(throws: JWTError.expired) { try signer.verify(token, now: Date(timeIntervalSince1970: 1_700_003_600)) }
    }

    @Test func refusesATokenSignedWithAnotherSecret() throws {
        let other = try JWTSigner(secret: "another-secret-of-enough-length")
        #expect(throws: JWTError.badSignature) { try signer.verify(try other.sign(claims), now: now) }
    }

    @Test func refusesATamperedPayload() throws {
        let token = try signer.sign(claims)
        let parts = token.split(separator: ".").map(String.init)
        var forged = claims
        forged.role = "admin"
        let payload = Base64URL.encode(try JSONEncoder().encode(forged))
        #expect(throws: JWTError.badSignature) { try signer.verify("\(parts[0]).\(payload).\(parts[2])", now: now) }
    }

    @Test func refusesATamperedSignature() throws {
        let token = try signer.sign(claims)
        var bytes = Array(token.utf8)
        let index = bytes.count - 5
        bytes[index] = bytes[index] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: JWTError.badSignature) { try signer.verify(String(decoding: bytes, as: UTF8.self), now: now) }
    }

    @Test(arguments: [
        #"{"alg":"none","typ":"JWT"}"#, #"{"alg":"HS512","typ":"JWT"}"#, #"{"alg":"hs256"}"#, #"{"typ":"JWT"}"#,
        #"{"alg":"RS256"}"#,
    ])
    func refusesOtherAlgorithms(header: String) throws {
        let token = try signer.sign(claims)
        let parts = token.split(separator: ".").map(String.init)
        let headerPart = Base64URL.encode(Array(header.utf8))
        // Both with the original signature and with none at all (the classic alg=none attack).
        for signature in [parts[2], ""] {
            #expect(throws: JWTError.self) { try signer.verify("\(headerPart).\(parts[1]).\(signature)", now: now) }
        }
        do {
            _ = try signer.verify("\(headerPart).\(parts[1]).", now: now)
        } catch {
            guard case .unsupportedAlgorithm = error else {
                Issue.record("expected unsupportedAlgorithm, got \(error)")
                return
            }
        }
    }

    @Test func refusesCriticalHeaderExtensions() throws {
        let header = Base64URL.encode(Array(#"{"alg":"HS256","crit":["exp"]}"#.utf8))
        let token = try signer.sign(claims)
        let parts = token.split(separator: ".").map(String.init)
        #expect(throws: JWTError.unsupportedAlgorithm("crit extensions")) {
            try signer.verify("\(header).\(parts[1]).\(parts[2])", now: now)
        }
    }

    @Test(arguments: [
        "", "garbage", "a.b", "a.b.c.d", "...", "eyJhbGciOiJIUzI1NiJ9..", "!!!.???.***",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.bm90IGpzb24.c2ln",
        String(repeating: "a", count: 9000),
    ])
    func refusesMalformedTokens(token: String) {
        #expect(throws: JWTError.self) { try signer.verify(token, now: now) }
    }

    @Test func aValidlySignedTokenWithoutSundialClaimsIsMalformed() throws {
        let header = Base64URL.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let payload = Base64URL.encode(Array(#"{"sub":"x"}"#.utf8))
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("\(header).\(payload)".utf8), using: SymmetricKey(data: Array(testSecret.utf8)))
        let token = "\(header).\(payload).\(Base64URL.encode(mac))"
        #expect(throws: JWTError.malformed("the payload lacks the Sundial claims")) {
            try signer.verify(token, now: now)
        }
    }

    @Test func requiresASecretOfAtLeast16Bytes() {
        #expect(throws: AuthError.self) { try JWTSigner(secret: "short") }
        #expect(throws: Never.self) { try JWTSigner(secret: "sixteen-bytes-ok") }
    }

    @Test func base64URLIsCanonicalAndUnpadded() {
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
        #expect(Base64URL.decode("-_8") == [0xFB, 0xFF])
        #expect(Base64URL.decode("-_8=") == nil)
        #expect(Base64URL.decode("+/8") == nil)
        #expect(Base64URL.decode("-_9") == nil, "stray low bits are not canonical")
        #expect(Base64URL.decode("A") == nil)
        #expect(Base64URL.decode("") == [])
    }
}

@Suite("API key secrets")
struct APIKeySecretTests {
    @Test func generatedSecretsHaveTheDocumentedShape() throws {
        let secret = APIKeySecret.generate()
        #expect(secret.text.hasPrefix("sk_"))
        #expect(secret.text.count == 46)
        #expect(Base64URL.decode(secret.text.dropFirst(3))?.count == 32)
        #expect(APIKeySecret(parsing: secret.text) == secret)
        #expect(secret.prefix == String(secret.text.prefix(11)))
        #expect(APIKeySecret.generate() != secret)
    }

    @Test func storedHashIsTheSHA256OfTheSecret() throws {
        let secret = try #require(APIKeySecret(parsing: "sk_" + Base64URL.encode([UInt8](repeating: 7, count: 32))))
        let expected = SHA256.hash(data: Array(secret.text.utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(secret.hash == expected)
        #expect(secret.hash.count == 64)
        #expect(!secret.hash.contains(secret.text))
    }

    @Test(arguments: [
        "sk_", "sk_short", "sk_" + String(repeating: "A", count: 44), "pk_" + String(repeating: "A", count: 43),
        "sk_" + String(repeating: "A", count: 42) + "=", "sk_" + String(repeating: "*", count: 43),
    ])
    func refusesAnythingElse(text: String) {
        #expect(APIKeySecret(parsing: text) == nil)
    }
}

import Crypto
import Foundation

/// The claims of a Sundial access token.
public struct AccessTokenClaims: Sendable, Equatable, Codable {
    /// The user's id (UUID string).
    public var sub: String
    public var username: String
    /// `admin` or `user` when issued; the server trusts the database, not this.
    public var role: String
    /// Issued at, seconds since 1970.
    public var iat: Int
    /// Expires at, seconds since 1970.
    public var exp: Int

    public init(sub: String, username: String, role: String, iat: Int, exp: Int) {
        self.sub = sub
        self.username = username
        self.role = role
        self.iat = iat
        self.exp = exp
    }
}

/// Why a token was refused.
public enum JWTError: Error, Sendable, Equatable {
    /// Not three base64url parts, or a part that is not the JSON it should be.
    case malformed(String)
    /// `alg` is not `HS256` (including `none`), or the header asks for extensions.
    case unsupportedAlgorithm(String)
    /// The signature does not match.
    case badSignature
    /// `exp` has passed (or `nbf` has not come yet).
    case expired
}

/// HS256 JSON Web Tokens (RFC 7519) on swift-crypto's HMAC-SHA256.
///
/// Verification checks, in order: shape, header (`alg` must be exactly `HS256`,
/// `typ` if present must be `JWT`, no `crit`), the signature (constant time),
/// then the claims (`exp` required and in the future, `nbf` honoured).
public struct JWTSigner: Sendable {
    /// Tokens longer than this are refused without parsing.
    public static let maxTokenLength = 8 * 1024
    static let minimumSecretLength = 16

    private let key: SymmetricKey
    private static let header = Base64URL.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))

    public init(secret: String) throws {
        guard secret.utf8.count >= Self.minimumSecretLength else {
            throw AuthError(.invalidConfiguration, "the JWT secret must be at least \(Self.minimumSecretLength) bytes")
        }
        key = SymmetricKey(data: Array(secret.utf8))
    }

    public func sign(_ claims: AccessTokenClaims) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let payload = Base64URL.encode(try encoder.encode(claims))
        let signingInput = Self.header + "." + payload
        let signature = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: key)
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// The token's claims, or the reason it is refused.
    public func verify(_ token: String, now: Date) throws(JWTError) -> AccessTokenClaims {
        guard token.utf8.count <= Self.maxTokenLength else { throw .malformed("token too long") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("a JWT has three dot-separated parts") }

        guard let headerBytes = Base64URL.decode(parts[0]),
            let header = (try? JSONSerialization.jsonObject(with: Data(headerBytes))) as? [String: Any]
        else { throw .malformed("the header is not base64url JSON") }
        guard let alg = header["alg"] as? String, alg == "HS256" else {
            throw .unsupportedAlgorithm("\(header["alg"] ?? "missing")")
        }
        if let typ = header["typ"] {
            guard let typ = typ as? String, typ.uppercased() == "JWT" else { throw .malformed("typ is not JWT") }
        }
        guard header["crit"] == nil else { throw .unsupportedAlgorithm("crit extensions") }

        guard let signature = Base64URL.decode(parts[2]) else { throw .malformed("the signature is not base64url") }
        let signingInput = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signingInput, using: key) else {
            throw .badSignature
        }

        guard let payloadBytes = Base64URL.decode(parts[1]),
            let claims = try? JSONDecoder().decode(AccessTokenClaims.self, from: Data(payloadBytes)),
            let payload = (try? JSONSerialization.jsonObject(with: Data(payloadBytes))) as? [String: Any]
        else { throw .malformed("the payload lacks the Sundial claims") }
        let nowSeconds = Int(now.timeIntervalSince1970.rounded(.down))
        guard nowSeconds < claims.exp else { throw .expired }
        if let nbf = payload["nbf"] {
            guard let nbf = nbf as? NSNumber, nowSeconds >= nbf.intValue else { throw .expired }
        }
        return claims
    }
}

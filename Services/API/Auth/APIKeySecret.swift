import Crypto
import Foundation

/// An API key's secret: `sk_` + 32 random bytes in unpadded base64url (46
/// characters). Only its SHA-256 is stored: the secret has 256 bits of entropy,
/// so a fast hash is enough (no dictionary to attack), and lookup by hash is an
/// index probe. The first characters are kept in the clear as `prefix` so a user
/// can tell keys apart in `GET /api/keys`.
public struct APIKeySecret: Sendable, Equatable {
    public static let marker = "sk_"
    static let randomByteCount = 32
    static let encodedLength = marker.count + 43
    /// `sk_` plus this many characters of the secret are shown in listings.
    static let visiblePrefixLength = 8

    /// The full secret (shown to the user once, never stored).
    public let text: String

    /// A new random secret.
    public static func generate() -> APIKeySecret {
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        return APIKeySecret(unchecked: marker + Base64URL.encode(bytes))
    }

    private init(unchecked text: String) {
        self.text = text
    }

    /// Nil unless `text` has the exact shape of a secret this server issues.
    public init?(parsing text: some StringProtocol) {
        guard text.utf8.count == Self.encodedLength, text.hasPrefix(Self.marker),
            let bytes = Base64URL.decode(text.dropFirst(Self.marker.count)), bytes.count == Self.randomByteCount
        else { return nil }
        self.text = String(text)
    }

    /// True when a bearer credential looks like an API key rather than a JWT.
    public static func isKeyLike(_ credential: some StringProtocol) -> Bool {
        credential.hasPrefix(marker)
    }

    /// Lowercase hex SHA-256 of the secret: what `api_keys.key_hash` holds.
    public var hash: String {
        SHA256.hash(data: Array(text.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// `sk_` and the first characters, safe to show in listings.
    public var prefix: String {
        String(text.prefix(Self.marker.count + Self.visiblePrefixLength))
    }
}

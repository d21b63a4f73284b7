import Crypto
import Foundation

/// The signature on every delivery Sundial posts, so a receiver can check that it comes from
/// Sundial and was not altered or replayed:
///
///     X-Sundial-Timestamp: 1767268800
///     X-Sundial-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
///
/// Verify by recomputing the HMAC over the timestamp header, a `.`, and the raw request body
/// with the shared secret (the owner's, else `SUNDIAL_WEBHOOK_SECRET`), comparing in constant
/// time, and refusing timestamps far from now (e.g. more than 5 minutes).
enum WebhookSignature {
    static let signatureHeader = "X-Sundial-Signature"
    static let timestampHeader = "X-Sundial-Timestamp"

    /// `sha256=<hex>` for `body` sent at `timestamp` (Unix seconds).
    static func sign(body: [UInt8], timestamp: Int, secret: String) -> String {
        var message = Array("\(timestamp).".utf8)
        message += body
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }
}

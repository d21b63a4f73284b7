/// Cuts agent responses to what Sundial stores (`executions.response`).
public enum ResponseTruncation {
    /// 10 KB: the most of an agent's response an execution keeps.
    public static let storedResponseLimit = 10_240

    /// The longest prefix of `text` that fits in `maxBytes` bytes of UTF-8
    /// without splitting a character's encoding, and whether anything was cut.
    ///
    /// The cut falls on a Unicode scalar boundary, so the result is always
    /// valid UTF-8; a combining sequence at the very end may lose its last
    /// scalars.
    public static func truncate(_ text: String, maxBytes: Int = storedResponseLimit) -> (text: String, truncated: Bool) {
        let utf8 = text.utf8
        guard utf8.count > maxBytes else { return (text, false) }
        guard maxBytes > 0 else { return ("", true) }
        var end = utf8.index(utf8.startIndex, offsetBy: maxBytes)
        // Step back over continuation bytes (0b10xx_xxxx) to the start of a scalar.
        while end > utf8.startIndex, utf8[end] & 0b1100_0000 == 0b1000_0000 {
            utf8.formIndex(before: &end)
        }
        return (String(decoding: utf8[..<end], as: UTF8.self), true)
    }
}

extension AgentTaskResult {
    /// ``response`` cut to at most `maxBytes` bytes of UTF-8 on a character boundary.
    public func truncatedResponse(maxBytes: Int = ResponseTruncation.storedResponseLimit) -> (text: String, truncated: Bool) {
        ResponseTruncation.truncate(response, maxBytes: maxBytes)
    }
}

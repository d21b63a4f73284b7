/// A Lua script with its SHA-1 computed up front, for `RedisClient.run(_:keys:arguments:)`.
public struct RedisScript: Sendable, Hashable {
    public let source: String
    /// Lower-case hex SHA-1 of `source`, as `SCRIPT LOAD` would return it.
    public let sha1: String

    public init(_ source: String) {
        self.source = source
        self.sha1 = SHA1.hexDigest(Array(source.utf8))
    }
}

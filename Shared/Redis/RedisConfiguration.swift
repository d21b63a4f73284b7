import Foundation

/// Where and how to connect: `redis://[[username]:password@]host[:port][/db]`.
///
/// `username` is only needed for Redis 6 ACL users; `redis://:secret@host` sends
/// `AUTH secret`, `redis://app:secret@host` sends `AUTH app secret`. Percent-encoded
/// characters in the user and password are decoded. TLS (`rediss://`) is not
/// supported by the hiredis build in use and is rejected.
public struct RedisConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var database: Int
    /// Upper bound for establishing the TCP connection.
    public var connectTimeout: Duration
    /// Upper bound for one read or write on an established connection
    /// (`redisSetTimeout`). A command that exceeds it fails with `.connectionLost`.
    /// Keep it above the longest blocking command you send (`BLPOP` timeouts etc.).
    public var commandTimeout: Duration

    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        connectTimeout: Duration = .seconds(2),
        commandTimeout: Duration = .seconds(5)
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    /// Parses a `redis://` URL. Throws `RedisError` with code `.invalidURL` and a
    /// message naming the offending part.
    public init(
        url string: String,
        connectTimeout: Duration = .seconds(2),
        commandTimeout: Duration = .seconds(5)
    ) throws(RedisError) {
        let trimmed = string.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            throw RedisError(.invalidURL, "empty Redis URL")
        }
        guard let components = URLComponents(string: trimmed) else {
            throw RedisError(.invalidURL, "not a valid URL: \(Self.redacted(trimmed))")
        }
        switch components.scheme?.lowercased() {
        case "redis": break
        case "rediss":
            throw RedisError(.invalidURL, "TLS (rediss://) is not supported: \(Self.redacted(trimmed))")
        case nil:
            throw RedisError(.invalidURL, "missing scheme, expected redis://host:port/db: \(Self.redacted(trimmed))")
        case let other?:
            throw RedisError(.invalidURL, "unsupported scheme '\(other)', expected redis://")
        }
        guard var host = components.host, !host.isEmpty else {
            throw RedisError(.invalidURL, "missing host in \(Self.redacted(trimmed))")
        }
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        let port = components.port ?? 6379
        guard (1...65535).contains(port) else {
            throw RedisError(.invalidURL, "port \(port) out of range 1-65535")
        }
        var database = 0
        let path = components.path
        if !path.isEmpty && path != "/" {
            let digits = path.hasPrefix("/") ? String(path.dropFirst()) : path
            guard let db = Int(digits), db >= 0, digits.allSatisfy(\.isASCII) else {
                throw RedisError(.invalidURL, "database must be a non-negative integer, got '\(digits)'")
            }
            database = db
        }
        if let items = components.queryItems, !items.isEmpty {
            let names = items.map(\.name).joined(separator: ", ")
            throw RedisError(.invalidURL, "query parameters are not supported (\(names))")
        }
        let user = components.user.flatMap { $0.isEmpty ? nil : $0 }
        let password = components.password.flatMap { $0.isEmpty ? nil : $0 }
        if user != nil && password == nil {
            throw RedisError(.invalidURL, "a username needs a password: redis://user:password@host")
        }
        self.init(
            host: host, port: port, username: user, password: password, database: database,
            connectTimeout: connectTimeout, commandTimeout: commandTimeout
        )
    }

    /// `host:port/db`, never the password; for logs.
    public var endpointDescription: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(shownHost):\(port)/\(database)"
    }

    /// The URL with any password replaced, for error messages.
    static func redacted(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let schemeEnd = url.range(of: "://") else { return url }
        guard schemeEnd.upperBound <= at else { return url }
        return String(url[..<schemeEnd.upperBound]) + "***" + String(url[at...])
    }
}

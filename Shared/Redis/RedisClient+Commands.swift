/// Typed helpers over `command(_:)` for what Sundial uses.
extension RedisClient {
    /// `PING`; throws unless the server answers `PONG`.
    public func ping() async throws {
        let reply = try await command(["PING"])
        guard reply.string == "PONG" else {
            throw RedisError(.unexpectedReply, "PING answered \(reply)")
        }
    }

    /// `GET` as UTF-8 text; nil when the key does not exist. Throws
    /// `.unexpectedReply` if the value is not valid UTF-8 (use `getBytes`).
    public func get(_ key: String) async throws -> String? {
        guard let bytes = try await getBytes(key) else { return nil }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw RedisError(.unexpectedReply, "value of \(key) is not valid UTF-8 (\(bytes.count) bytes)")
        }
        return text
    }

    /// `GET`, binary-safe; nil when the key does not exist.
    public func getBytes(_ key: String) async throws -> [UInt8]? {
        let reply = try await command([Array("GET".utf8), Array(key.utf8)])
        switch reply {
        case .null: return nil
        case .bulk(let bytes): return bytes
        default: throw RedisError(.unexpectedReply, "GET \(key) answered \(reply)")
        }
    }

    /// `SET key value [PX ms] [NX]`. Returns false only when `nx` is set and
    /// the key already existed.
    @discardableResult
    public func set(_ key: String, _ value: String, px: Duration? = nil, nx: Bool = false) async throws -> Bool {
        try await set(key, bytes: Array(value.utf8), px: px, nx: nx)
    }

    /// Binary-safe `SET key value [PX ms] [NX]`.
    @discardableResult
    public func set(_ key: String, bytes value: [UInt8], px: Duration? = nil, nx: Bool = false) async throws -> Bool {
        var arguments: [[UInt8]] = [Array("SET".utf8), Array(key.utf8), value]
        if let px {
            arguments += [Array("PX".utf8), Array(String(try Self.milliseconds(px, for: "px")).utf8)]
        }
        if nx {
            arguments.append(Array("NX".utf8))
        }
        let reply = try await command(arguments)
        switch reply {
        case .status("OK"): return true
        case .null: return false
        default: throw RedisError(.unexpectedReply, "SET \(key) answered \(reply)")
        }
    }

    /// `SETEX key seconds value`.
    public func setex(_ key: String, seconds: Int, _ value: String) async throws {
        guard seconds > 0 else {
            throw RedisError(.invalidArgument, "SETEX needs a positive number of seconds, got \(seconds)")
        }
        let reply = try await command(["SETEX", key, String(seconds), value])
        guard reply == .status("OK") else {
            throw RedisError(.unexpectedReply, "SETEX \(key) answered \(reply)")
        }
    }

    /// `DEL`; the number of keys removed.
    @discardableResult
    public func del(_ keys: [String]) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        return try await integer(["DEL"] + keys)
    }

    @discardableResult
    public func del(_ keys: String...) async throws -> Int {
        try await del(keys)
    }

    /// `EXISTS`; how many of the keys exist.
    public func exists(_ keys: String...) async throws -> Int {
        guard !keys.isEmpty else { return 0 }
        return try await integer(["EXISTS"] + keys)
    }

    /// `EXPIRE key seconds`; false when the key does not exist.
    @discardableResult
    public func expire(_ key: String, seconds: Int) async throws -> Bool {
        try await integer(["EXPIRE", key, String(seconds)]) == 1
    }

    /// `PEXPIRE key ms`; false when the key does not exist.
    @discardableResult
    public func pexpire(_ key: String, _ ttl: Duration) async throws -> Bool {
        try await integer(["PEXPIRE", key, String(try Self.milliseconds(ttl, for: "ttl"))]) == 1
    }

    /// `PTTL`: the remaining time to live; nil when the key does not exist or
    /// has no expiry.
    public func pttl(_ key: String) async throws -> Duration? {
        let millis = try await integer(["PTTL", key])
        return millis >= 0 ? .milliseconds(millis) : nil
    }

    /// `PUBLISH`; the number of subscribers that received the message.
    @discardableResult
    public func publish(_ channel: String, _ message: String) async throws -> Int {
        try await publish(channel, bytes: Array(message.utf8))
    }

    @discardableResult
    public func publish(_ channel: String, bytes message: [UInt8]) async throws -> Int {
        let reply = try await command([Array("PUBLISH".utf8), Array(channel.utf8), message])
        guard let count = reply.integer else {
            throw RedisError(.unexpectedReply, "PUBLISH \(channel) answered \(reply)")
        }
        return Int(count)
    }

    /// Every key matching `pattern`, walked with `SCAN … MATCH … COUNT` (never
    /// `KEYS`, which blocks the server). Keys that change during the walk may be
    /// missed or repeated, as SCAN documents; the result is de-duplicated.
    public func scan(match pattern: String, count: Int = 100) async throws -> [String] {
        var cursor = "0"
        var seen = Set<String>()
        var keys: [String] = []
        repeat {
            let reply = try await command(["SCAN", cursor, "MATCH", pattern, "COUNT", String(max(1, count))])
            guard case .array(let parts) = reply, parts.count == 2,
                  let next = parts[0].string, case .array(let batch) = parts[1]
            else {
                throw RedisError(.unexpectedReply, "SCAN answered \(reply)")
            }
            for element in batch {
                guard let key = element.string else { continue }
                if seen.insert(key).inserted { keys.append(key) }
            }
            cursor = next
        } while cursor != "0"
        return keys
    }

    /// Same as `scan(match:)`; named after the familiar command, implemented with SCAN.
    public func keys(matching pattern: String) async throws -> [String] {
        try await scan(match: pattern)
    }

    /// `EVAL script numkeys keys… args…`.
    public func eval(_ script: String, keys: [String] = [], arguments: [String] = []) async throws -> RedisReply {
        try await command(["EVAL", script, String(keys.count)] + keys + arguments)
    }

    /// `EVALSHA sha numkeys keys… args…`; throws `.server` with prefix
    /// `NOSCRIPT` when the server does not have the script cached.
    public func evalsha(_ sha1: String, keys: [String] = [], arguments: [String] = []) async throws -> RedisReply {
        try await command(["EVALSHA", sha1, String(keys.count)] + keys + arguments)
    }

    /// Runs a script by its SHA-1, falling back to sending the source when the
    /// server answers `NOSCRIPT` (after a restart or `SCRIPT FLUSH`). `EVAL`
    /// caches the script, so later calls hit `EVALSHA` again.
    public func run(_ script: RedisScript, keys: [String] = [], arguments: [String] = []) async throws -> RedisReply {
        do {
            return try await evalsha(script.sha1, keys: keys, arguments: arguments)
        } catch let error as RedisError where error.serverErrorPrefix == "NOSCRIPT" {
            return try await eval(script.source, keys: keys, arguments: arguments)
        }
    }

    private func integer(_ arguments: [String]) async throws -> Int {
        let reply = try await command(arguments)
        guard let value = reply.integer else {
            throw RedisError(.unexpectedReply, "\(arguments.first ?? "command") answered \(reply)")
        }
        return Int(value)
    }

    static func milliseconds(_ duration: Duration, for name: String) throws(RedisError) -> Int64 {
        let millis = duration.wholeMillisecondsRoundedUp
        guard millis > 0 else {
            throw RedisError(.invalidArgument, "\(name) must be at least 1 ms, got \(duration)")
        }
        return millis
    }
}

extension RedisClient {
    /// Sends `commands` in one pipeline on one connection and returns their replies in order
    /// (error replies are returned as `.error`, not thrown). A reply missing after `timeout`
    /// breaks the connection (the client replaces it): unread replies would poison it.
    public func pipeline(_ commands: [[[UInt8]]], timeout: Duration = .seconds(5)) async throws -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        return try await withConnection { connection throws(RedisError) -> [RedisReply] in
            for command in commands { try connection.append(command) }
            try connection.flush()
            var replies: [RedisReply] = []
            replies.reserveCapacity(commands.count)
            for _ in commands {
                guard case .reply(let reply) = try connection.readReply(within: timeout) else {
                    throw RedisError(.connectionLost, "no reply within \(timeout) in a pipeline of \(commands.count)")
                }
                replies.append(reply)
            }
            return replies
        }
    }
}

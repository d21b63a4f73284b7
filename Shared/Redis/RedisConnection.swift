import CHiredis
import Foundation

/// One blocking connection to Redis: the sole owner of a hiredis `redisContext *`.
///
/// Every method blocks the calling thread (bounded by the configuration's
/// connect and command timeouts), so a `RedisConnection` is only ever used
/// from a dedicated thread: `RedisClient` and `RedisSubscriber` each keep theirs
/// on threads they own. It is deliberately not `Sendable`.
///
/// Once hiredis reports an I/O or protocol error the context is unusable
/// (`isBroken`); every further call throws `.connectionLost` and the owner
/// replaces the connection.
public final class RedisConnection {
    private let context: UnsafeMutablePointer<redisContext>
    public let configuration: RedisConfiguration
    public private(set) var isBroken = false

    private init(context: UnsafeMutablePointer<redisContext>, configuration: RedisConfiguration) {
        self.context = context
        self.configuration = configuration
    }

    deinit {
        redisFree(context)
    }

    /// Connects (within `connectTimeout`), sets the read/write timeout, enables
    /// TCP keep-alive, then sends `AUTH` and `SELECT` as the configuration asks.
    ///
    /// Also blocks `SIGPIPE` on the calling thread: hiredis writes with
    /// `write(2)`, and a vanished peer must surface as an error, not kill the
    /// process.
    public static func connect(to configuration: RedisConfiguration) throws(RedisError) -> RedisConnection {
        _ = sundial_redis_block_sigpipe_on_current_thread()
        let endpoint = configuration.endpointDescription
        guard let raw = redisConnectWithTimeout(configuration.host, Int32(clamping: configuration.port), timeval(configuration.connectTimeout)) else {
            throw RedisError(.connectionFailed, "connect to \(endpoint): hiredis could not allocate a context")
        }
        // From here on the object owns the context and frees it on every path.
        let connection = RedisConnection(context: raw, configuration: configuration)
        if sundial_redis_err(raw) != 0 {
            throw RedisError(.connectionFailed, "connect to \(endpoint): \(connection.hiredisMessage)")
        }
        if redisSetTimeout(raw, timeval(configuration.commandTimeout)) != REDIS_OK {
            throw RedisError(.connectionFailed, "set timeout on \(endpoint): \(connection.hiredisMessage)")
        }
        if redisEnableKeepAlive(raw) != REDIS_OK {
            throw RedisError(.connectionFailed, "enable keep-alive on \(endpoint): \(connection.hiredisMessage)")
        }
        do {
            if let password = configuration.password {
                var auth = ["AUTH"]
                if let user = configuration.username { auth.append(user) }
                auth.append(password)
                _ = try connection.command(auth)
            }
            if configuration.database != 0 {
                _ = try connection.command(["SELECT", String(configuration.database)])
            }
        } catch {
            let what = error.code == .server ? "handshake rejected" : "handshake failed"
            throw RedisError(.connectionFailed, "\(what) by \(endpoint): \(error.message)")
        }
        return connection
    }

    // MARK: Commands

    /// Sends one command and waits for its reply. Arguments are binary-safe.
    /// A top-level error reply is thrown as `RedisError(.server, line)`.
    public func command(_ arguments: [[UInt8]]) throws(RedisError) -> RedisReply {
        try ensureUsable()
        let raw = try Self.withArgv(arguments) { argc, argv, lengths in
            redisCommandArgv(context, argc, argv, lengths)
        }
        guard let raw else {
            throw markBroken()
        }
        defer { freeReplyObject(raw) }
        let reply = Self.convert(raw.assumingMemoryBound(to: redisReply.self))
        if case .error(let line) = reply {
            throw RedisError(.server, line)
        }
        return reply
    }

    public func command(_ arguments: [String]) throws(RedisError) -> RedisReply {
        try command(arguments.map { Array($0.utf8) })
    }

    // MARK: Lower level: pipelining and pub/sub

    /// Queues a command in hiredis' output buffer without sending it.
    public func append(_ arguments: [[UInt8]]) throws(RedisError) {
        try ensureUsable()
        let status = try Self.withArgv(arguments) { argc, argv, lengths in
            redisAppendCommandArgv(context, argc, argv, lengths)
        }
        if status != REDIS_OK {
            throw markBroken()
        }
    }

    /// Writes the output buffer to the socket.
    public func flush() throws(RedisError) {
        try ensureUsable()
        var done: Int32 = 0
        repeat {
            if redisBufferWrite(context, &done) != REDIS_OK {
                throw markBroken()
            }
        } while done == 0
    }

    /// The outcome of `readReply(within:wakeDescriptor:)`.
    public enum ReadOutcome {
        case reply(RedisReply)
        /// Nothing complete arrived before the deadline; the connection is fine.
        case timedOut
        /// `wakeDescriptor` became readable (someone asked the reader to stop).
        case woken
    }

    /// Waits up to `timeout` for the next reply (error replies are returned as
    /// `.error`, not thrown). Uses `poll(2)` on the socket rather than the
    /// socket's read timeout, because a timed-out hiredis read poisons the
    /// context. `wakeDescriptor` (a pipe's read end, or -1) interrupts the wait.
    public func readReply(within timeout: Duration, wakeDescriptor: Int32 = -1) throws(RedisError) -> ReadOutcome {
        try flush()
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            var raw: UnsafeMutableRawPointer?
            if redisGetReplyFromReader(context, &raw) != REDIS_OK {
                throw markBroken()
            }
            if let raw {
                defer { freeReplyObject(raw) }
                return .reply(Self.convert(raw.assumingMemoryBound(to: redisReply.self)))
            }
            // Poll even when the deadline has passed (timeout 0), so bytes that
            // already arrived are never mistaken for silence.
            let remaining = max(clock.now.duration(to: deadline), .zero)
            let ready = sundial_redis_poll_readable(sundial_redis_fd(context), wakeDescriptor, remaining.roundedUpMilliseconds)
            switch ready {
            case 2:
                return .woken
            case 1:
                if redisBufferRead(context) != REDIS_OK {
                    throw markBroken()
                }
            case 0:
                if clock.now >= deadline {
                    return .timedOut
                }
            default:
                let code = sundial_redis_errno()
                if code == EINTR { continue }
                isBroken = true
                throw RedisError(.connectionLost, "poll on \(configuration.endpointDescription) failed: \(String(cString: strerror(code)))")
            }
        }
    }

    // MARK: Errors

    private var hiredisMessage: String {
        String(cString: sundial_redis_errstr(context))
    }

    private func ensureUsable() throws(RedisError) {
        if isBroken {
            throw RedisError(.connectionLost, "connection to \(configuration.endpointDescription) is broken: \(hiredisMessage)")
        }
    }

    /// Marks the context unusable and describes hiredis' error.
    private func markBroken() -> RedisError {
        isBroken = true
        let endpoint = configuration.endpointDescription
        var message = hiredisMessage
        if message.isEmpty {
            message = "unknown error (hiredis err \(sundial_redis_err(context)))"
        } else if message.contains("Resource temporarily unavailable") {
            message = "timed out after \(configuration.commandTimeout) (\(message))"
        }
        return RedisError(.connectionLost, "\(endpoint): \(message)")
    }

    // MARK: C conversions

    /// Lays the arguments out in one buffer and hands hiredis `argv`/`argvlen`.
    private static func withArgv<R>(
        _ arguments: [[UInt8]],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
    ) throws(RedisError) -> R {
        guard !arguments.isEmpty else {
            throw RedisError(.invalidArgument, "a command needs at least one argument")
        }
        guard let argc = Int32(exactly: arguments.count) else {
            throw RedisError(.invalidArgument, "too many arguments (\(arguments.count))")
        }
        var storage: [UInt8] = []
        storage.reserveCapacity(arguments.reduce(1) { $0 + $1.count })
        var offsets: [Int] = []
        var lengths: [Int] = []
        offsets.reserveCapacity(arguments.count)
        lengths.reserveCapacity(arguments.count)
        for argument in arguments {
            offsets.append(storage.count)
            lengths.append(argument.count)
            storage.append(contentsOf: argument)
        }
        storage.append(0)  // never empty, so the base address exists
        return storage.withUnsafeBytes { bytes in
            let base = bytes.baseAddress.unsafelyUnwrapped
            var argv: [UnsafePointer<CChar>?] = offsets.map {
                base.advanced(by: $0).assumingMemoryBound(to: CChar.self)
            }
            return argv.withUnsafeMutableBufferPointer { argvBuffer in
                lengths.withUnsafeBufferPointer { lengthBuffer in
                    body(argc, argvBuffer.baseAddress.unsafelyUnwrapped, lengthBuffer.baseAddress.unsafelyUnwrapped)
                }
            }
        }
    }

    static func convert(_ reply: UnsafePointer<redisReply>) -> RedisReply {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STRING:
            return .bulk(bytes(value.str, value.len))
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: bytes(value.str, value.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(value.str, value.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(value.integer))
        case REDIS_REPLY_NIL:
            return .null
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(value.elements)
            for index in 0..<value.elements {
                if let element = sundial_redis_reply_element(reply, index) {
                    elements.append(convert(element))
                } else {
                    elements.append(.null)
                }
            }
            return .array(elements)
        default:
            return .error("unknown hiredis reply type \(value.type)")
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}

extension timeval {
    init(_ duration: Duration) {
        guard duration > .zero else {
            self.init(tv_sec: 0, tv_usec: 0)
            return
        }
        let (seconds, attoseconds) = duration.components
        self.init(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}

extension Duration {
    /// Whole milliseconds, rounded up, clamped to `Int32` for poll(2).
    var roundedUpMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return 0 }
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: millis)
    }

    /// Whole milliseconds, rounded up (for `PX`/`PEXPIRE`).
    var wholeMillisecondsRoundedUp: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    }
}

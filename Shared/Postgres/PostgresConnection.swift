import Foundation
import CLibPQ

/// One libpq connection (`PGconn *`), owned by exactly one instance and closed
/// with `PQfinish` in `deinit`.
///
/// Every method blocks the calling thread until the server answers, so none may
/// be called from Swift concurrency: they are marked `noasync`. Async code uses
/// `PostgresPool`, whose dedicated worker threads own their connections.
public final class PostgresConnection {
    private let handle: OpaquePointer

    /// Opens a connection and prepares the session (UTC time zone, ISO dates,
    /// hex `bytea`), so text values decode the same way on every connection.
    @available(*, noasync, message: "blocks the thread; use PostgresPool from async code")
    public static func connect(_ configuration: PostgresConfiguration) throws(PostgresError) -> PostgresConnection {
        let parameters = configuration.connectParameters
        let keywords = parameters.map { strdup($0.0) }
        let values = parameters.map { strdup($0.1) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let keywordPointers = keywords.map { UnsafePointer($0) } + [nil]
        let valuePointers = values.map { UnsafePointer($0) } + [nil]
        guard let handle = PQconnectdbParams(keywordPointers, valuePointers, 1) else {
            throw PostgresError(.connectionFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle)).trimmingTrailingWhitespace()
            PQfinish(handle)
            throw PostgresError(.connectionFailed, message: message.isEmpty ? "connection failed" : message)
        }
        let connection = PostgresConnection(handle: handle)
        do {
            _ = try connection.runScript(
                "SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO, YMD'; SET bytea_output TO 'hex'; SET extra_float_digits TO 1"
            )
        } catch {
            throw PostgresError(.connectionFailed, message: "session setup failed: \(error.message)", sqlState: error.sqlState)
        }
        return connection
    }

    private init(handle: OpaquePointer) {
        self.handle = handle
        self.fatalFlag = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        fatalFlag.initialize(to: 0)
        sundial_pq_watch_for_fatal(handle, fatalFlag)
    }

    deinit {
        PQfinish(handle)
        fatalFlag.deallocate()
    }

    /// Set by the notice receiver when the server sent an error outside any
    /// statement (a FATAL just before it closes the connection).
    private let fatalFlag: UnsafeMutablePointer<Int32>

    /// False once libpq has seen the connection fail.
    public var isUsable: Bool { PQstatus(handle) == CONNECTION_OK && fatalFlag.pointee == 0 }

    /// The server process id serving this connection (`pg_backend_pid()`).
    public var backendPID: Int32 { PQbackendPID(handle) }

    /// True when no transaction is open (nothing left behind by a previous user).
    var isIdleOutsideTransaction: Bool { PQtransactionStatus(handle) == PQTRANS_IDLE }

    var socket: Int32 { PQsocket(handle) }

    // MARK: Statements

    /// Runs one statement with text-format parameters (`$1`, `$2`…) and returns its rows.
    @available(*, noasync, message: "blocks the thread; use PostgresPool from async code")
    public func query(_ sql: String, _ binds: [PostgresValue] = []) throws(PostgresError) -> [PostgresRow] {
        try run(sql, binds).rows
    }

    /// Runs one statement and returns the number of rows it affected.
    @available(*, noasync, message: "blocks the thread; use PostgresPool from async code")
    public func execute(_ sql: String, _ binds: [PostgresValue] = []) throws(PostgresError) -> Int {
        try run(sql, binds).affectedRows
    }

    @available(*, noasync, message: "blocks the thread; use PostgresPool from async code")
    public func run(_ sql: String, _ binds: [PostgresValue]) throws(PostgresError) -> PostgresQueryResult {
        guard binds.count <= 65_535 else {
            throw PostgresError(.invalidParameter, message: "\(binds.count) binds; Postgres allows at most 65535")
        }
        var texts: [String?] = []
        texts.reserveCapacity(binds.count)
        for (index, bind) in binds.enumerated() { texts.append(try bind.textRepresentation(index: index)) }
        let types = binds.map(\.typeOID)
        let cValues: [UnsafeMutablePointer<CChar>?] = texts.map { $0.map { strdup($0) } }
        defer { cValues.forEach { free($0) } }
        let valuePointers = cValues.map { $0.map { UnsafePointer($0) } }
        if let name = try preparedStatement(sql, types: types) {
            let result = valuePointers.withUnsafeBufferPointer { valuePointer in
                PQexecPrepared(handle, name, Int32(binds.count), valuePointer.baseAddress, nil, nil, 0)
            }
            do {
                return try consume(result)
            } catch where error.sqlState == "0A000" || error.sqlState == "26000" {
                // "cached plan must not change result type" (the table changed under a cached
                // statement) or the statement vanished: forget it and, outside a failed
                // transaction, run this one unprepared.
                statements[StatementKey(sql: sql, types: types)] = nil
                guard PQtransactionStatus(handle) != PQTRANS_INERROR else { throw error }
                _ = try? runScript("DEALLOCATE \(name)")
            }
        }
        let result = types.withUnsafeBufferPointer { typePointer in
            valuePointers.withUnsafeBufferPointer { valuePointer in
                PQexecParams(
                    handle, sql, Int32(binds.count), typePointer.baseAddress, valuePointer.baseAddress,
                    nil, nil, 0)
            }
        }
        return try consume(result)
    }

    // MARK: Prepared statements

    /// Statements are prepared on first use and reused by SQL text and parameter types, so the
    /// server parses and plans each hot statement once per connection instead of on every call.
    /// At most `statementCacheLimit` per connection; beyond that (generated SQL), statements run
    /// unprepared. Inside a failed transaction nothing is prepared (the server refuses anyway).
    private struct StatementKey: Hashable {
        var sql: String
        var types: [UInt32]
    }

    private var statements: [StatementKey: String] = [:]
    private var preparedCount = 0
    static let statementCacheLimit = 512

    @available(*, noasync, message: "blocks the thread; use PostgresPool from async code")
    private func preparedStatement(_ sql: String, types: [UInt32]) throws(PostgresError) -> String? {
        let key = StatementKey(sql: sql, types: types)
        if let name = statements[key] { return name }
        guard statements.count < Self.statementCacheLimit, PQtransactionStatus(handle) != PQTRANS_INERROR else { return nil }
        preparedCount += 1
        let name = "sundial_s\(preparedCount)"
        let result = types.withUnsafeBufferPointer { typePointer in
            PQprepare(handle, name, sql, Int32(types.count), typePointer.baseAddress)
        }
        _ = try consume(result)
        statements[key] = name
        return name
    }

    /// Runs one or more statements without parameters through the simple-query
    /// protocol. Only for fixed SQL text (migrations, session setup, BEGIN/COMMIT).
    @available(*, noasync, message: "blocks the thread; use PostgresPool from async code")
    func runScript(_ sql: String) throws(PostgresError) -> PostgresQueryResult {
        try consume(PQexec(handle, sql))
    }

    /// Quotes an identifier (channel or table name) for SQL text.
    func escapeIdentifier(_ identifier: String) throws(PostgresError) -> String {
        guard let escaped = PQescapeIdentifier(handle, identifier, identifier.utf8.count) else {
            throw PostgresError(.invalidParameter, message: lastErrorMessage())
        }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }

    // MARK: Idle health and notifications

    /// Reads whatever the server sent while the connection sat idle. A terminated
    /// backend sends a FATAL error and closes the socket; reading that marks the
    /// connection unusable, so it is replaced before a statement is sent on it.
    @available(*, noasync, message: "blocks the thread; use PostgresPool from async code")
    func drainIdleInput() -> Bool {
        guard isUsable else { return false }
        let fd = socket
        guard fd >= 0 else { return false }
        var rounds = 0
        while rounds < 4, sundial_pq_wait_readable(fd, 0) != 0 {
            guard PQconsumeInput(handle) == 1 else { return false }
            while let notification = PQnotifies(handle) { PQfreemem(notification) }
            rounds += 1
        }
        return isUsable
    }

    /// Reads available input; throws `connectionLost` when the server has gone.
    @available(*, noasync, message: "blocks the thread; use PostgresPool from async code")
    func consumeInput() throws(PostgresError) {
        guard PQconsumeInput(handle) == 1, isUsable else {
            let message = lastErrorMessage()
            throw PostgresError(.connectionLost, message: message.isEmpty ? "the server ended the session" : message)
        }
    }

    /// The next notification already read by `consumeInput`, if any.
    func nextNotification() -> PostgresNotification? {
        guard let notify = PQnotifies(handle) else { return nil }
        defer { PQfreemem(notify) }
        return PostgresNotification(
            channel: String(cString: notify.pointee.relname),
            payload: notify.pointee.extra.map { String(cString: $0) } ?? "",
            backendPID: notify.pointee.be_pid)
    }

    // MARK: Results and errors

    private func consume(_ result: OpaquePointer?) throws(PostgresError) -> PostgresQueryResult {
        guard let result else {
            throw PostgresError(isUsable ? .queryFailed : .connectionLost, message: lastErrorMessage())
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PostgresQueryResult(result: result)
        default:
            throw error(from: result)
        }
    }

    private func error(from result: OpaquePointer) -> PostgresError {
        func field(_ code: Unicode.Scalar) -> String? {
            PQresultErrorField(result, Int32(UInt8(ascii: code))).map { String(cString: $0) }
        }
        let sqlState = field("C")
        var message = field("M") ?? String(cString: PQresultErrorMessage(result)).trimmingTrailingWhitespace()
        if message.isEmpty { message = lastErrorMessage() }
        var code = PostgresError.code(forSQLState: sqlState)
        if !isUsable {
            code = .connectionLost
            let connectionMessage = lastErrorMessage()
            if !connectionMessage.isEmpty, !message.contains(connectionMessage) {
                message += "; " + connectionMessage
            }
        }
        return PostgresError(code, message: message, sqlState: sqlState, detail: field("D"), constraint: field("n"))
    }

    private func lastErrorMessage() -> String {
        String(cString: PQerrorMessage(handle)).trimmingTrailingWhitespace()
    }
}

/// What one statement returned.
public struct PostgresQueryResult: Sendable {
    public let rows: [PostgresRow]
    /// Rows inserted/updated/deleted (or returned by SELECT); 0 when not applicable.
    public let affectedRows: Int
    /// The command tag (`INSERT 0 1`, `COMMIT`, `ROLLBACK`…).
    public let commandTag: String

    init(result: OpaquePointer) {
        let fieldCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        var names: [String] = []
        var types: [UInt32] = []
        for column in 0..<fieldCount {
            names.append(String(cString: PQfname(result, Int32(column))))
            types.append(PQftype(result, Int32(column)))
        }
        let columns = PostgresColumns(names: names, typeOIDs: types)
        var rows: [PostgresRow] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(fieldCount)
            for column in 0..<fieldCount {
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, Int32(row), Int32(column))))
                }
            }
            rows.append(PostgresRow(columns: columns, values: values))
        }
        self.rows = rows
        self.affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
        self.commandTag = String(cString: PQcmdStatus(result))
    }
}

/// One `NOTIFY` received by a `PostgresListener`.
public struct PostgresNotification: Sendable, Hashable {
    public var channel: String
    public var payload: String
    /// The server process that sent it.
    public var backendPID: Int32

    public init(channel: String, payload: String, backendPID: Int32 = 0) {
        self.channel = channel
        self.payload = payload
        self.backendPID = backendPID
    }
}

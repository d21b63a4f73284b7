/// An error from the Postgres adapter: a failed connection, a failed statement
/// (with the server's SQLSTATE), a value that cannot be decoded, or a closed pool.
public struct PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, coarse enough to branch on.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// Could not open a connection (bad address, auth, server down).
        case connectionFailed
        /// The connection died while a statement was in flight (server restart,
        /// `pg_terminate_backend`). The statement may or may not have been applied;
        /// it is never retried automatically. The next call gets a fresh connection.
        case connectionLost
        /// The server rejected the statement (any SQLSTATE not listed below).
        case queryFailed
        /// SQLSTATE 23505: a unique index or constraint refused the row.
        case uniqueViolation
        /// SQLSTATE 23503.
        case foreignKeyViolation
        /// SQLSTATE 23514.
        case checkViolation
        /// SQLSTATE 23502.
        case notNullViolation
        /// SQLSTATE 40001: retry the whole transaction.
        case serializationFailure
        /// SQLSTATE 40P01: retry the whole transaction.
        case deadlockDetected
        /// A bind value cannot be sent (for example a string containing NUL).
        case invalidParameter
        /// A column value cannot be decoded as the requested type, or is NULL
        /// where a value was required, or the column does not exist.
        case decode
        /// The pool (or listener) was shut down.
        case poolClosed
        /// A transaction handle was used after its `withTransaction` block ended.
        case invalidUse
        /// A migration file is malformed or missing.
        case migration
    }

    public var code: Code
    /// The server's SQLSTATE (`23505`, `57P01`…), when the server sent one.
    public var sqlState: String?
    /// The C library's or server's primary message.
    public var message: String
    /// The server's DETAIL field, if any.
    public var detail: String?
    /// The constraint named by the server (unique/check/foreign-key violations).
    public var constraint: String?

    public init(
        _ code: Code, message: String, sqlState: String? = nil, detail: String? = nil, constraint: String? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.constraint = constraint
    }

    public var description: String {
        var text = "PostgresError.\(code.rawValue): \(message)"
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let constraint { text += " [constraint \(constraint)]" }
        if let detail { text += " — \(detail)" }
        return text
    }

    /// True when the failure came from the connection rather than the statement:
    /// the caller may retry an idempotent operation.
    public var isConnectionError: Bool {
        code == .connectionFailed || code == .connectionLost
    }

    /// Maps a server SQLSTATE to a code. Class 08 (connection exception) and
    /// 57P01–57P03 (administrator/crash shutdown) mean the session is gone.
    static func code(forSQLState state: String?) -> Code {
        guard let state else { return .queryFailed }
        switch state {
        case "23505": return .uniqueViolation
        case "23503": return .foreignKeyViolation
        case "23514": return .checkViolation
        case "23502": return .notNullViolation
        case "40001": return .serializationFailure
        case "40P01": return .deadlockDetected
        case "57P01", "57P02", "57P03": return .connectionLost
        default: return state.hasPrefix("08") ? .connectionLost : .queryFailed
        }
    }
}

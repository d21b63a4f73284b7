/// Something statements can be sent to: the pool (any free connection), a
/// leased `PostgresSession`, or a `PostgresTransaction`. Repositories take
/// `some PostgresQueryable` so they work both inside and outside a transaction.
public protocol PostgresQueryable: Sendable {
    /// Runs one statement; parameters are sent separately from the SQL text.
    func run(_ sql: String, _ binds: [PostgresValue]) async throws -> PostgresQueryResult
}

extension PostgresQueryable {
    /// Rows of one statement.
    public func query(_ sql: String, _ binds: [PostgresValue]) async throws -> [PostgresRow] {
        try await run(sql, binds).rows
    }

    /// Rows of one statement.
    public func query(_ sql: String, _ binds: PostgresValue...) async throws -> [PostgresRow] {
        try await run(sql, binds).rows
    }

    /// The first row of one statement, or nil.
    public func queryFirst(_ sql: String, _ binds: [PostgresValue]) async throws -> PostgresRow? {
        try await run(sql, binds).rows.first
    }

    /// The first row of one statement, or nil.
    public func queryFirst(_ sql: String, _ binds: PostgresValue...) async throws -> PostgresRow? {
        try await run(sql, binds).rows.first
    }

    /// Affected-row count of one statement.
    @discardableResult
    public func execute(_ sql: String, _ binds: [PostgresValue]) async throws -> Int {
        try await run(sql, binds).affectedRows
    }

    /// Affected-row count of one statement.
    @discardableResult
    public func execute(_ sql: String, _ binds: PostgresValue...) async throws -> Int {
        try await run(sql, binds).affectedRows
    }
}

/// Options for `withTransaction`.
public struct PostgresTransactionOptions: Sendable, Hashable {
    public enum IsolationLevel: String, Sendable, Hashable {
        case readCommitted = "READ COMMITTED"
        case repeatableRead = "REPEATABLE READ"
        case serializable = "SERIALIZABLE"
    }

    public var isolationLevel: IsolationLevel
    public var readOnly: Bool

    public init(isolationLevel: IsolationLevel = .readCommitted, readOnly: Bool = false) {
        self.isolationLevel = isolationLevel
        self.readOnly = readOnly
    }

    public static let readCommitted = PostgresTransactionOptions()
    public static let repeatableRead = PostgresTransactionOptions(isolationLevel: .repeatableRead)
    public static let serializable = PostgresTransactionOptions(isolationLevel: .serializable)

    var beginStatement: String {
        "BEGIN ISOLATION LEVEL \(isolationLevel.rawValue)" + (readOnly ? " READ ONLY" : "")
    }
}

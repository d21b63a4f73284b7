import Synchronization

/// The shared core of a session or transaction: a leased worker, the connection
/// generation its server-side state lives on, and whether the handle is still valid.
final class Lease: Sendable {
    let worker: ConnectionWorker
    private let state: Mutex<(pinned: Int?, valid: Bool)>
    private let kind: String

    init(worker: ConnectionWorker, pinned: Int?, kind: String) {
        self.worker = worker
        self.state = Mutex((pinned, true))
        self.kind = kind
    }

    var pinned: Int? { state.withLock { $0.pinned } }

    func pin(_ generation: Int) {
        state.withLock { if $0.pinned == nil { $0.pinned = generation } }
    }

    func invalidate() { state.withLock { $0.valid = false } }

    func checkValid() throws {
        let valid = state.withLock { $0.valid }
        guard valid else {
            throw PostgresError(.invalidUse, message: "this \(kind) handle was used after its block ended")
        }
    }

    func run(_ sql: String, _ binds: [PostgresValue]) async throws -> PostgresQueryResult {
        try checkValid()
        let pinned = self.pinned
        return try await worker.submit { [self] context in
            let (connection, generation) = try context.connection(pinned: pinned)
            if pinned == nil { self.pin(generation) }
            do {
                return try connection.run(sql, binds)
            } catch {
                context.discardIfBroken()
                throw error
            }
        }
    }

    /// BEGIN on this lease's connection; returns the generation the transaction lives on.
    func begin(_ options: PostgresTransactionOptions) async throws -> Int {
        try checkValid()
        let pinned = self.pinned
        return try await worker.submit { [self] context in
            let (connection, generation) = try context.connection(pinned: pinned)
            if pinned == nil { self.pin(generation) }
            do {
                _ = try connection.runScript(options.beginStatement)
            } catch {
                context.discardIfBroken()
                throw error
            }
            return generation
        }
    }

    /// Runs the transaction body between BEGIN and COMMIT; ROLLBACK when it throws.
    func transaction<T>(
        _ options: PostgresTransactionOptions,
        isolation: isolated (any Actor)?,
        _ body: (PostgresTransaction) async throws -> T
    ) async throws -> T {
        let generation = try await begin(options)
        let transaction = PostgresTransaction(lease: Lease(worker: worker, pinned: generation, kind: "transaction"))
        let result: T
        do {
            result = try await body(transaction)
        } catch {
            transaction.lease.invalidate()
            await worker.rollback(generation: generation)
            throw error
        }
        transaction.lease.invalidate()
        try await worker.commit(generation: generation)
        return result
    }
}

extension ConnectionWorker {
    func commit(generation: Int) async throws {
        try await submit { context in
            let (connection, _) = try context.connection(pinned: generation)
            let result: PostgresQueryResult
            do throws(PostgresError) {
                result = try connection.runScript("COMMIT")
            } catch {
                context.discardIfBroken()
                if error.code == .connectionLost {
                    throw PostgresError(
                        .connectionLost, message: "connection lost during COMMIT; the outcome is unknown: \(error.message)",
                        sqlState: error.sqlState)
                }
                throw error
            }
            // COMMIT of a transaction that already failed answers ROLLBACK, not an error.
            guard result.commandTag == "COMMIT" else {
                throw PostgresError(
                    .queryFailed,
                    message: "the transaction was rolled back because a statement in it failed (\(result.commandTag))")
            }
        }
    }

    /// Best effort: a connection that cannot roll back is discarded, which the
    /// server treats as a rollback.
    func rollback(generation: Int) async {
        _ = try? await submit { context in
            guard let (connection, _) = try? context.connection(pinned: generation) else { return }
            do {
                _ = try connection.runScript("ROLLBACK")
            } catch {
                context.discard()
            }
        }
    }
}

/// A connection leased from the pool for the duration of `withConnection`.
/// Statements run in order on one server session, so session state (advisory
/// locks, `SET`) carries from one to the next; restore what you change, because
/// the connection goes back to the pool afterwards. If the connection is lost,
/// every later statement on this session fails with `connectionLost`.
public final class PostgresSession: PostgresQueryable {
    let lease: Lease

    init(lease: Lease) { self.lease = lease }

    public func run(_ sql: String, _ binds: [PostgresValue]) async throws -> PostgresQueryResult {
        try await lease.run(sql, binds)
    }

    /// BEGIN … COMMIT on this session's connection; ROLLBACK when `body` throws.
    @discardableResult
    public func withTransaction<T>(
        _ options: PostgresTransactionOptions = .readCommitted,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresTransaction) async throws -> T
    ) async throws -> T {
        try await lease.transaction(options, isolation: isolation, body)
    }

    /// Runs fixed multi-statement SQL (no parameters) on this session.
    func runScript(_ sql: String) async throws {
        try lease.checkValid()
        let pinned = lease.pinned
        try await lease.worker.submit { [lease] context in
            let (connection, generation) = try context.connection(pinned: pinned)
            if pinned == nil { lease.pin(generation) }
            do {
                _ = try connection.runScript(sql)
            } catch {
                context.discardIfBroken()
                throw error
            }
        }
    }
}

/// An open transaction. Valid only inside its `withTransaction` block.
public final class PostgresTransaction: PostgresQueryable {
    let lease: Lease

    init(lease: Lease) { self.lease = lease }

    public func run(_ sql: String, _ binds: [PostgresValue]) async throws -> PostgresQueryResult {
        try await lease.run(sql, binds)
    }

    /// Runs fixed multi-statement SQL (no parameters) inside the transaction.
    func runScript(_ sql: String) async throws {
        try lease.checkValid()
        guard let pinned = lease.pinned else {
            throw PostgresError(.invalidUse, message: "transaction has no connection")
        }
        try await lease.worker.submit { context in
            let (connection, _) = try context.connection(pinned: pinned)
            do {
                _ = try connection.runScript(sql)
            } catch {
                context.discardIfBroken()
                throw error
            }
        }
    }
}

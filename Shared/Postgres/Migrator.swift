import Foundation
import Logging

/// One numbered SQL file, `NNNN_name.sql`.
public struct Migration: Sendable, Hashable {
    public var version: Int
    public var name: String
    public var sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// The migrations shipped in this module's `Migrations/` folder, in version order.
    public static func bundled() throws -> [Migration] {
        guard let folder = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw PostgresError(.migration, message: "Migrations folder missing from the Postgres module's bundle")
        }
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        var migrations: [Migration] = []
        for file in files where file.pathExtension == "sql" {
            migrations.append(try parse(fileName: file.lastPathComponent, sql: String(contentsOf: file, encoding: .utf8)))
        }
        return try ordered(migrations)
    }

    /// `0001_initial.sql` → version 1, name `initial`.
    static func parse(fileName: String, sql: String) throws -> Migration {
        let stem = fileName.hasSuffix(".sql") ? String(fileName.dropLast(4)) : fileName
        guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]), version > 0 else {
            throw PostgresError(.migration, message: "migration file \(fileName) is not named NNNN_name.sql")
        }
        return Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql)
    }

    static func ordered(_ migrations: [Migration]) throws -> [Migration] {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.version == next.version {
            throw PostgresError(.migration, message: "two migrations have version \(next.version)")
        }
        return sorted
    }
}

/// Applies pending migrations at start-up. Every service calls it; a session
/// advisory lock makes concurrent callers take turns, so each migration is
/// applied exactly once, each in its own transaction together with its
/// `schema_migrations` row.
public enum Migrator {
    /// Advisory-lock key shared by every Sundial service ("Sundial" in ASCII).
    static let lockKey = 0x53_75_6E_64_69_61_6C

    /// Applies what is missing; returns the migrations applied by this call.
    @discardableResult
    public static func migrate(
        pool: PostgresPool, logger: Logger, migrations: [Migration]? = nil
    ) async throws -> [Migration] {
        let migrations = try migrations.map(Migration.ordered) ?? Migration.bundled()
        return try await pool.withConnection { session in
            try await session.execute("SELECT pg_advisory_lock($1)", .int(lockKey))
            do {
                let applied = try await applyPending(migrations, session: session, logger: logger)
                try await session.execute("SELECT pg_advisory_unlock($1)", .int(lockKey))
                return applied
            } catch {
                // Never hand a connection that still holds the lock back to the pool.
                do {
                    try await session.execute("SELECT pg_advisory_unlock_all()")
                } catch {
                    logger.warning("could not release the migration lock", metadata: ["error": "\(error)"])
                }
                throw error
            }
        }
    }

    private static func applyPending(
        _ migrations: [Migration], session: PostgresSession, logger: Logger
    ) async throws -> [Migration] {
        try await session.runScript(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        let rows = try await session.query("SELECT version, name FROM schema_migrations")
        var done: [Int: String] = [:]
        for row in rows { done[try row.decode(Int.self, at: "version")] = try row.decode(String.self, at: "name") }

        var applied: [Migration] = []
        for migration in migrations {
            if let name = done[migration.version] {
                if name != migration.name {
                    logger.warning(
                        "applied migration has a different name",
                        metadata: ["version": "\(migration.version)", "applied": "\(name)", "file": "\(migration.name)"])
                }
                continue
            }
            logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            do {
                try await session.withTransaction { transaction in
                    try await transaction.runScript(migration.sql)
                    try await transaction.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                        .int(migration.version), .text(migration.name))
                }
            } catch let error as PostgresError {
                var wrapped = error
                wrapped.message = "migration \(migration.version)_\(migration.name) failed: \(error.message)"
                throw wrapped
            }
            applied.append(migration)
        }
        if !applied.isEmpty {
            logger.info("migrations applied", metadata: ["count": "\(applied.count)"])
        }
        return applied
    }
}

import Foundation
import Logging
import Testing

@testable import Postgres

/// Access to the integration server named by `SUNDIAL_TEST_DATABASE_URL`.
/// Unset: integration suites are disabled. Set but unreachable: they fail.
enum TestDatabase {
    static let url = ProcessInfo.processInfo.environment["SUNDIAL_TEST_DATABASE_URL"]
    static var isConfigured: Bool { url != nil }

    static let logger: Logger = {
        var logger = Logger(label: "sundial.postgres.tests")
        logger.logLevel = .error
        return logger
    }()

    /// A name no other test uses (tables, channels, databases, application names).
    static func uniqueName(_ prefix: String) -> String {
        prefix + "_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    }

    static func configuration(database: String? = nil, applicationName: String = "sundial-tests") throws
        -> PostgresConfiguration
    {
        let url = try #require(url, "SUNDIAL_TEST_DATABASE_URL is not set")
        return try PostgresConfiguration(
            url: url, applicationName: applicationName, database: database, connectTimeoutSeconds: 5)
    }

    static func makePool(size: Int = 4, database: String? = nil, applicationName: String = "sundial-tests") throws
        -> PostgresPool
    {
        PostgresPool(
            configuration: try configuration(database: database, applicationName: applicationName), size: size,
            logger: logger)
    }

    /// Fails at once (rather than after a long wait) when the server is unreachable.
    static func requireServer() async throws {
        let pool = try makePool(size: 1)
        defer { Task { await pool.shutdown() } }
        try await pool.ping()
    }

    /// Creates a uniquely named table (`definition` may say `{table}`), runs
    /// `body` with its name, and drops it whether or not `body` throws.
    static func withTable<T>(
        _ prefix: String, _ definition: String, using pool: PostgresPool, _ body: (String) async throws -> T
    ) async throws -> T {
        let table = uniqueName(prefix)
        // Identifiers cannot be parameters; `table` is generated, never input.
        try await pool.execute("CREATE TABLE \(table) " + definition.replacingOccurrences(of: "{table}", with: table))
        do {
            let result = try await body(table)
            try await pool.execute("DROP TABLE \(table)")
            return result
        } catch {
            _ = try? await pool.execute("DROP TABLE \(table)")
            throw error
        }
    }

    /// Runs `body` with a pool on a brand-new empty database, dropped afterwards.
    static func withFreshDatabase<T>(
        poolSize: Int = 4, _ body: (String, PostgresPool) async throws -> T
    ) async throws -> T {
        let admin = try makePool(size: 1)
        let name = uniqueName("sundial_t")
        // Identifiers cannot be parameters; `name` is generated hex, never input.
        try await admin.execute("CREATE DATABASE \(name)")
        let pool = try makePool(size: poolSize, database: name)
        do {
            let result = try await body(name, pool)
            await pool.shutdown()
            try await admin.execute("DROP DATABASE \(name) WITH (FORCE)")
            await admin.shutdown()
            return result
        } catch {
            await pool.shutdown()
            _ = try? await admin.execute("DROP DATABASE \(name) WITH (FORCE)")
            await admin.shutdown()
            throw error
        }
    }

    /// A fresh database with the full Sundial schema.
    static func withMigratedDatabase<T>(
        poolSize: Int = 4, _ body: (String, PostgresPool) async throws -> T
    ) async throws -> T {
        try await withFreshDatabase(poolSize: poolSize) { name, pool in
            try await Migrator.migrate(pool: pool, logger: logger)
            return try await body(name, pool)
        }
    }

    /// Terminates every backend with `applicationName` and waits until those
    /// processes are gone (a reconnect under the same name may already be back).
    static func terminateBackends(applicationName: String, using pool: PostgresPool) async throws -> Int {
        // Select first, terminate second: in one WHERE clause the planner may call
        // pg_terminate_backend before filtering, on every backend of the server.
        let rows = try await pool.query(
            "SELECT pid FROM pg_stat_activity WHERE application_name = $1", .text(applicationName))
        let pids = try rows.map { try $0.decode(Int.self, at: "pid") }
        let pidArray = PostgresValue.text("{" + pids.map(String.init).joined(separator: ",") + "}")
        try await pool.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", pidArray)
        try await waitUntil("backends \(pids) of \(applicationName) are gone") {
            let left = try await pool.queryFirst(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE pid = ANY($1::int[])", pidArray)
            return try left?.decode(Int.self, at: "n") == 0
        }
        return pids.count
    }
}

struct TimedOut: Error, CustomStringConvertible {
    var description: String
}

/// Polls `condition` every 20 ms until it holds, failing after `timeout`.
func waitUntil(
    _ what: String, timeout: Duration = .seconds(10), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw TimedOut(description: "timed out waiting until \(what)")
}

/// Collects a listener's events so tests can wait for one with a timeout.
actor EventRecorder {
    private(set) var events: [PostgresListener.Event] = []
    /// True once the stream has finished.
    private(set) var finished = false
    private var consumed = 0

    init(_ listener: PostgresListener) {
        let stream = listener.events
        Task { await self.consume(stream) }
    }

    private func consume(_ stream: AsyncStream<PostgresListener.Event>) async {
        for await event in stream { events.append(event) }
        finished = true
    }

    /// The next event (after those already returned) that matches; earlier
    /// non-matching events are passed over and returned in `skipped`.
    func next(
        timeout: Duration = .seconds(10), where matches: @Sendable (PostgresListener.Event) -> Bool = { _ in true }
    ) async throws -> (event: PostgresListener.Event, skipped: [PostgresListener.Event]) {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let index = events[consumed...].firstIndex(where: matches) {
                let skipped = Array(events[consumed..<index])
                consumed = index + 1
                return (events[index], skipped)
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TimedOut(description: "no matching listener event; got \(events[consumed...])")
    }
}

extension PostgresListener.Event {
    var notification: PostgresNotification? {
        if case .notification(let notification) = self { return notification }
        return nil
    }
}

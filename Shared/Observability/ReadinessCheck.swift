/// One dependency that `/ready` reports on (`postgres`, `redis`).
public struct ReadinessCheck: Sendable {
    public var name: String
    public var check: @Sendable () async throws -> Void

    public init(name: String, check: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.check = check
    }
}

/// Outcome of running every readiness check once.
public struct ReadinessReport: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var ok: Bool
        public var error: String?
    }

    public var entries: [Entry]
    public var ready: Bool { entries.allSatisfy(\.ok) }

    /// Runs all checks concurrently, each bounded by `timeout`.
    public static func run(_ checks: [ReadinessCheck], timeout: Duration = .seconds(2)) async -> ReadinessReport {
        await withTaskGroup(of: (Int, Entry).self) { group in
            for (index, check) in checks.enumerated() {
                group.addTask {
                    let entry = await Self.runOne(check, timeout: timeout)
                    return (index, entry)
                }
            }
            var results: [(Int, Entry)] = []
            for await result in group { results.append(result) }
            return ReadinessReport(entries: results.sorted { $0.0 < $1.0 }.map(\.1))
        }
    }

    private static func runOne(_ check: ReadinessCheck, timeout: Duration) async -> Entry {
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await check.check() }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw TimeoutError(timeout: timeout)
                }
                defer { group.cancelAll() }
                try await group.next()
            }
            return Entry(name: check.name, ok: true, error: nil)
        } catch {
            return Entry(name: check.name, ok: false, error: "\(error)")
        }
    }

    struct TimeoutError: Error, CustomStringConvertible {
        var timeout: Duration
        var description: String { "no answer within \(timeout)" }
    }
}

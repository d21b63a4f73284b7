import Synchronization

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

    /// Runs one check, answering after at most `timeout` even when the check itself is stuck
    /// (a connect attempt to a dead server): the check keeps running on its own and is ignored.
    private static func runOne(_ check: ReadinessCheck, timeout: Duration) async -> Entry {
        let decided = FirstOnly()
        let error: (any Error)? = await withCheckedContinuation { continuation in
            @Sendable func finish(_ result: Result<Void, any Error>) {
                guard decided.claim() else { return }
                switch result {
                case .success: continuation.resume(returning: nil)
                case .failure(let error): continuation.resume(returning: error)
                }
            }
            Task {
                do {
                    try await check.check()
                    finish(.success(()))
                } catch {
                    finish(.failure(error))
                }
            }
            Task {
                try? await Task.sleep(for: timeout)
                finish(.failure(TimeoutError(timeout: timeout)))
            }
        }
        if let error { return Entry(name: check.name, ok: false, error: "\(error)") }
        return Entry(name: check.name, ok: true, error: nil)
    }

    /// True for the first caller only.
    final class FirstOnly: Sendable {
        private let taken = Mutex(false)

        func claim() -> Bool {
            taken.withLock { taken in
                defer { taken = true }
                return !taken
            }
        }
    }

    struct TimeoutError: Error, CustomStringConvertible {
        var timeout: Duration
        var description: String { "no answer within \(timeout)" }
    }
}

import Foundation
import Redis
import Testing

/// The shared test server from `make test` (`SUNDIAL_TEST_REDIS_URL`). Unset:
/// integration suites are disabled. Set but unreachable: they fail.
enum RedisTestEnvironment {
    static let url: String? = {
        guard let value = ProcessInfo.processInfo.environment["SUNDIAL_TEST_REDIS_URL"], !value.isEmpty else { return nil }
        return value
    }()

    static var isConfigured: Bool { url != nil }

    static func configuration() throws -> RedisConfiguration {
        try RedisConfiguration(url: url ?? "", connectTimeout: .seconds(2), commandTimeout: .seconds(5))
    }

    /// A key or channel name no other test (or test run) uses.
    static func unique(_ name: String) -> String {
        "sundial:test:\(name):\(UUID().uuidString.lowercased())"
    }
}

struct TestTimeout: Error, CustomStringConvertible {
    var description: String
}

/// Retries `body` until it succeeds or `timeout` passes; rethrows the last error.
func eventually<T>(
    timeout: Duration = .seconds(15),
    every interval: Duration = .milliseconds(50),
    _ body: () async throws -> T
) async throws -> T {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    var lastError: (any Error)?
    repeat {
        do {
            return try await body()
        } catch {
            lastError = error
            try await Task.sleep(for: interval)
        }
    } while ContinuousClock.now < deadline
    throw lastError ?? TestTimeout(description: "gave up after \(timeout)")
}

/// Collects a subscriber's events on a background task so tests can wait for
/// them with a timeout.
actor EventRecorder {
    private(set) var events: [RedisSubscriber.Event] = []
    private var consumer: Task<Void, Never>?

    init(_ subscriber: RedisSubscriber) {
        let stream = subscriber.events
        Task { await self.start(stream) }
    }

    private func start(_ stream: AsyncStream<RedisSubscriber.Event>) {
        consumer = Task {
            for await event in stream {
                self.append(event)
            }
            self.markFinished()
        }
    }

    private(set) var finished = false

    private func append(_ event: RedisSubscriber.Event) { events.append(event) }
    private func markFinished() { finished = true }

    /// Waits for the first event at or after `index` that matches; returns it and its index.
    func waitFor(
        from index: Int = 0,
        timeout: Duration = .seconds(15),
        _ description: String,
        where matches: (RedisSubscriber.Event) -> Bool
    ) async throws -> (event: RedisSubscriber.Event, index: Int) {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            if index < events.count, let found = events[index...].firstIndex(where: matches) {
                return (events[found], found)
            }
            guard ContinuousClock.now < deadline else {
                throw TestTimeout(description: "no \(description) within \(timeout); events: \(events)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func waitUntilFinished(timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while !finished {
            guard ContinuousClock.now < deadline else {
                throw TestTimeout(description: "event stream not finished within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func messages(on channel: String) -> [String] {
        events.compactMap { event in
            guard case .message(channel, let payload) = event else { return nil }
            return String(decoding: payload, as: UTF8.self)
        }
    }
}

extension RedisSubscriber.Event {
    var isSubscribed: Bool { if case .subscribed = self { true } else { false } }
    var isDisconnected: Bool { if case .disconnected = self { true } else { false } }
    var isReconnected: Bool { if case .reconnected = self { true } else { false } }
    var reconnectGap: Duration? { if case .reconnected(let gap) = self { gap } else { nil } }
}

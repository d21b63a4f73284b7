import Logging

/// Retries a start-up step with backoff while its dependency is not reachable yet
/// (containers start in any order), logging each failure once per attempt.
public enum StartupRetry {
    public struct TimedOut: Error, CustomStringConvertible {
        public var what: String
        public var seconds: Double
        public var lastError: String
        public var description: String { "\(what) not reachable after \(Int(seconds)) s: \(lastError)" }
    }

    public static func untilSuccess(
        what: String, timeout seconds: Double, logger: Logger, _ step: () async throws -> Void
    ) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(seconds)
        var delay = Duration.milliseconds(200)
        var attempt = 0
        while true {
            attempt += 1
            do {
                try await step()
                if attempt > 1 { logger.info("\(what) is reachable", metadata: ["attempts": "\(attempt)"]) }
                return
            } catch {
                if clock.now + delay > deadline {
                    throw TimedOut(what: what, seconds: seconds, lastError: "\(error)")
                }
                logger.warning("waiting for \(what)", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }
}

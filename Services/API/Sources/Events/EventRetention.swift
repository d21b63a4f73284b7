import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Deletes events older than `SUNDIAL_EVENT_RETENTION_DAYS` from the durable log, at start-up
/// and then every `SUNDIAL_EVENT_CLEANUP_INTERVAL`, in batches so no statement holds many
/// rows locked (every API replica runs it; the deletes are idempotent).
public struct EventRetention: Service {
    let reader: EventLogReader
    let retentionDays: Int
    let interval: Duration
    let batchSize: Int
    let logger: Logger
    let now: @Sendable () -> Date

    init(
        reader: EventLogReader, retentionDays: Int, interval: Duration, batchSize: Int = 5000, logger: Logger,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.reader = reader
        self.retentionDays = retentionDays
        self.interval = interval
        self.batchSize = batchSize
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await cleanUp()
                } catch {
                    logger.warning("event log cleanup failed; retrying at the next interval", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Deletes every event older than the retention; returns how many.
    @discardableResult
    func cleanUp() async throws -> Int {
        let cutoff = now().addingTimeInterval(-Double(retentionDays) * 86_400)
        var total = 0
        while !Task.isCancelled {
            let deleted = try await reader.deleteOlder(than: cutoff, limit: batchSize)
            total += deleted
            if deleted < batchSize { break }
            // Let other work on the pool through between batches.
            try? await Task.sleep(for: .milliseconds(20))
        }
        if total > 0 {
            Counter(label: "sundial_events_deleted_total").increment(by: total)
            logger.info("deleted old events", metadata: ["count": "\(total)", "retention_days": "\(retentionDays)"])
        }
        return total
    }
}

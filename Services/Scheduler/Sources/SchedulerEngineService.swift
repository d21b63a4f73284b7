import Foundation
import Logging
import Metrics
import SchedulerCore
import ServiceLifecycle

/// Runs the scheduling engine as a service: graceful shutdown stops new occurrences and lets
/// running ones finish (up to the engine's grace period).
struct SchedulerEngineService: Service {
    let engine: SchedulerEngine
    let logger: Logger

    func run() async throws {
        let engine = self.engine
        await withGracefulShutdownHandler {
            await engine.run()
        } onGracefulShutdown: {
            Task {
                let report = await engine.shutdown()
                self.logger.info("scheduler engine stopped", metadata: ["report": "\(report)"])
            }
        }
    }
}

/// Engine events as log lines, metrics and the replica's status.
struct EngineObserver: SchedulerEngineObserver {
    let status: SchedulerStatus
    let logger: Logger

    func schedulerEngine(_ event: SchedulerEngineEvent) {
        switch event {
        case .synced(let summary):
            let loaded = summary.added.count + summary.changed.count + summary.unchanged
            status.update {
                $0.last_sync_at = Date()
                $0.schedules_loaded = loaded
            }
            if !(summary.added.isEmpty && summary.changed.isEmpty && summary.removed.isEmpty && summary.invalid.isEmpty) {
                logger.info("schedules synced", metadata: [
                    "loaded": "\(loaded)", "added": "\(summary.added.count)", "changed": "\(summary.changed.count)",
                    "removed": "\(summary.removed.count)", "invalid": "\(summary.invalid.count)",
                ])
            }
            for invalid in summary.invalid {
                logger.error("schedule cannot run", metadata: ["schedule_id": "\(invalid.id)", "agent": "\(invalid.agentName)", "error": "\(invalid.error)"])
            }
        case .syncFailed(let error):
            logger.warning("schedule sync failed; retrying", metadata: ["error": "\(error)"])
        case .claimed(let scheduleID, let scheduledFor, let attempt, let triggeredBy, let executionID, let lateness):
            Timer(label: "sundial_fire_lateness_seconds").recordNanoseconds(Int64(max(0, lateness) * 1_000_000_000))
            status.update { $0.running_executions += 1 }
            logger.debug("occurrence started", metadata: [
                "schedule_id": "\(scheduleID)", "execution_id": "\(executionID)", "scheduled_for": "\(scheduledFor)",
                "attempt": "\(attempt)", "triggered_by": "\(triggeredBy.rawValue)", "lateness_ms": "\(Int(lateness * 1000))",
            ])
        case .executionFinished(let scheduleID, let executionID, let attempt, let outcome, let recorded):
            status.update { $0.running_executions = max(0, $0.running_executions - 1) }
            logger.info("occurrence finished", metadata: [
                "schedule_id": "\(scheduleID)", "execution_id": "\(executionID)", "attempt": "\(attempt)",
                "status": "\(outcome.status.rawValue)", "recorded": "\(recorded)",
            ])
        case .skipped(let scheduleID, let reason, let count, let inserted):
            Counter(label: "sundial_occurrences_skipped_total", dimensions: [("reason", reason.rawValue)]).increment(by: inserted)
            logger.info("occurrences skipped", metadata: ["schedule_id": "\(scheduleID)", "reason": "\(reason.rawValue)", "count": "\(count)", "recorded": "\(inserted)"])
        case .missedNotRecorded(let scheduleID, let count, _):
            logger.warning("missed occurrences beyond the recording cap", metadata: ["schedule_id": "\(scheduleID)", "count": "\(count)"])
        case .lockerUnavailable(let error):
            logger.warning("Redis locks unavailable; relying on the Postgres occurrence key", metadata: ["error": "\(error)"])
        case .storeFailed(let operation, let scheduleID, let error):
            logger.warning("store operation failed", metadata: ["operation": "\(operation)", "schedule_id": "\(scheduleID ?? "-")", "error": "\(error)"])
        case .occurrenceAbandoned(let scheduleID, let scheduledFor, let attempt, let error):
            logger.error("occurrence abandoned", metadata: ["schedule_id": "\(scheduleID)", "scheduled_for": "\(scheduledFor)", "attempt": "\(attempt)", "error": "\(error)"])
        case .retryScheduled(let scheduleID, let plan):
            logger.info("retry scheduled", metadata: ["schedule_id": "\(scheduleID)", "plan": "\(plan)"])
        case .scheduleCompleted(let completion):
            logger.debug("schedule has no occurrence left", metadata: ["schedule_id": "\(completion.scheduleID)", "reason": "\(completion.reason)"])
        default:
            logger.debug("engine event", metadata: ["event": "\(event)"])
        }
    }
}

import Domain
import Foundation
import Postgres

/// The `schedule_completed` event: a schedule disabled itself because nothing is left to run
/// (`max_runs` reached, past `end_at`, a one-time schedule done). Written in the transaction
/// that disables the schedule; published after commit.
enum ScheduleCompletedEvent {
    /// Reason for a one-time schedule whose occurrence ran.
    static let onceDone = "once_done"

    static func draft(scheduleID: UUID, agent: String, name: String, reason: String) -> EventLog.Draft {
        EventLog.Draft(type: .scheduleCompleted, agent: agent, fields: [
            "schedule_id": .string(scheduleID.uuidString.lowercased()), "schedule_name": .string(name), "reason": .string(reason),
        ])
    }

    static func record(
        _ events: EventLog, in tx: some PostgresQueryable, scheduleID: UUID, agent: String, name: String, reason: String
    ) async throws -> EventLog.Pending {
        let event = draft(scheduleID: scheduleID, agent: agent, name: name, reason: reason)
        return try await events.record(event.type, agent: event.agent, fields: event.fields, in: tx)
    }
}

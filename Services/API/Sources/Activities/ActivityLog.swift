import APISupport
import Domain
import Foundation
import Postgres
import SundialEvents

/// One user-visible change, as recorded in `activities` and emitted as an event.
struct Activity: Sendable {
    var action: SchedulerEventType
    var agent: String?
    var scheduleID: String?
    var scheduleName: String?
    var executionID: String?
    var details: [String: JSONValue] = [:]

    init(
        _ action: SchedulerEventType, agent: String?, scheduleID: String? = nil, scheduleName: String? = nil, executionID: String? = nil,
        details: [String: JSONValue] = [:]
    ) {
        self.action = action
        self.agent = agent
        self.scheduleID = scheduleID
        self.scheduleName = scheduleName
        self.executionID = executionID
        self.details = details
    }

    init(_ action: SchedulerEventType, schedule: Schedule, details: [String: JSONValue] = [:]) {
        self.init(action, agent: schedule.agentName, scheduleID: schedule.id, scheduleName: schedule.name, details: details)
    }
}

/// Records who changed what: a row in `activities` and an event in `events` (same shape as the
/// scheduler's, plus `actor`), written in the caller's transaction when it has one, and the
/// event published on Redis `scheduler:events` after commit.
struct ActivityLog: Sendable {
    let pool: PostgresPool
    let events: EventLog

    /// Runs `change` in a transaction together with the activity it reports; publishes after commit.
    func recording<T: Sendable>(
        _ identity: Identity, _ change: (PostgresTransaction) async throws -> (T, Activity?)
    ) async throws -> T {
        var pending: [EventLog.Pending] = []
        let value = try await pool.withTransaction { tx -> T in
            let (value, activity) = try await change(tx)
            if let activity { pending.append(try await write(activity, by: identity, in: tx)) }
            return value
        }
        await events.publish(pending)
        return value
    }

    /// Records an activity on its own (for changes already committed by their own transaction).
    func record(_ activity: Activity, by identity: Identity) async throws {
        let pending = try await pool.withTransaction { tx in try await write(activity, by: identity, in: tx) }
        await events.publish([pending])
    }

    private func write(_ activity: Activity, by identity: Identity, in tx: PostgresTransaction) async throws -> EventLog.Pending {
        let kind = Self.actorKind(identity)
        var fields = activity.details
        fields["actor"] = .string(identity.username)
        fields["actor_kind"] = .string(kind)
        if let agent = identity.agentScope { fields["actor_agent"] = .string(agent) }
        if let id = activity.scheduleID { fields["schedule_id"] = .string(id) }
        if let name = activity.scheduleName { fields["schedule_name"] = .string(name) }
        if let id = activity.executionID { fields["execution_id"] = .string(id) }
        let event = try await events.record(activity.action, agent: activity.agent, fields: fields, in: tx)
        try await tx.execute(
            """
            INSERT INTO activities (action, actor_id, actor, actor_kind, actor_agent, agent_name, schedule_id, execution_id, details, event_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """,
            .text(activity.action.rawValue), .uuid(identity.userID), .text(identity.username), .text(kind),
            PostgresValue(identity.agentScope), PostgresValue(activity.agent), PostgresValue(activity.scheduleID.flatMap(UUID.init(uuidString:))),
            PostgresValue(activity.executionID.flatMap(UUID.init(uuidString:))),
            .json(Array(try EventLog.encode(.object(activity.details)).utf8)), .int(event.id))
        return event
    }

    static func actorKind(_ identity: Identity) -> String {
        if identity.agentScope != nil { return "agent_key" }
        return identity.keyID == nil ? "user" : "api_key"
    }
}

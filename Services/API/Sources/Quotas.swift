import APISupport
import Foundation
import Postgres
import SundialConfig

/// The limits of `QuotaConfig`, checked before a create or a queued run (429
/// `quota_exceeded`, naming the limit and its variable). Admins are exempt. The checks count
/// before inserting, so concurrent requests may overshoot a limit by a few.
struct Quotas: Sendable {
    let config: QuotaConfig
    let database: any PostgresQueryable

    func checkSchedules(_ identity: Identity) async throws {
        guard config.schedulesPerOwner > 0, !identity.isAdmin else { return }
        let count = try await count("SELECT count(*)::int AS n FROM schedules WHERE owner = $1", .uuid(identity.userID))
        if count >= config.schedulesPerOwner {
            throw Self.exceeded(
                "Quota exceeded: \(identity.username) owns \(count) schedules, the limit is \(config.schedulesPerOwner) (SUNDIAL_MAX_SCHEDULES_PER_OWNER); delete some first")
        }
    }

    func checkAgents(_ identity: Identity) async throws {
        guard config.agentsPerOwner > 0, !identity.isAdmin else { return }
        let count = try await count("SELECT count(*)::int AS n FROM agents WHERE owner = $1", .uuid(identity.userID))
        if count >= config.agentsPerOwner {
            throw Self.exceeded(
                "Quota exceeded: \(identity.username) owns \(count) agents, the limit is \(config.agentsPerOwner) (SUNDIAL_MAX_AGENTS_PER_OWNER)")
        }
    }

    /// Manual triggers and tasks: refused while the agent has this many runs queued or running.
    func checkActiveExecutions(agent: String, _ identity: Identity) async throws {
        guard config.activeExecutionsPerAgent > 0, !identity.isAdmin else { return }
        let count = try await count(
            "SELECT count(*)::int AS n FROM executions WHERE agent_name = $1 AND status IN ('pending', 'running')", .text(agent))
        if count >= config.activeExecutionsPerAgent {
            var error = Self.exceeded(
                "Quota exceeded: agent \(agent) has \(count) runs queued or running, the limit is \(config.activeExecutionsPerAgent) (SUNDIAL_MAX_ACTIVE_EXECUTIONS_PER_AGENT); retry when some have finished")
            error.headers[.retryAfter] = "10"
            throw error
        }
    }

    private func count(_ sql: String, _ bind: PostgresValue) async throws -> Int {
        try await database.queryFirst(sql, bind)?.decode(Int.self, at: "n") ?? 0
    }

    static func exceeded(_ detail: String) -> APIError {
        APIError(.tooManyRequests, detail, code: "quota_exceeded")
    }
}

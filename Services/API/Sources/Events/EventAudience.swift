import APISupport
import Foundation
import Postgres

/// Which events one listener receives: those of agents its caller may see (the REST routes'
/// rule, `AgentRepository.visibility`: an admin every agent, a user the agents they own, an
/// agent-scoped key only its agent), narrowed by the listener's `agents=a,b` filter.
///
/// Admins also receive events of agents that no longer exist (the log outlives agents); everyone
/// else only events of agents that exist and that they may see at the moment the event is relayed.
struct EventAudience: Sendable {
    let identity: Identity
    /// nil: every visible agent.
    let agents: Set<String>?

    /// An admin acting as a user (not through an agent key).
    private var seesEverything: Bool { identity.agentScope == nil && identity.role == .admin }

    func admits(_ event: RelayedEvent) -> Bool {
        if let agents {
            guard let agent = event.agent, agents.contains(agent) else { return false }
        }
        if seesEverything { return true }
        guard let agent = event.agent, let owner = event.owner else { return false }
        if let scope = identity.agentScope { return agent == scope }
        return owner == identity.userID
    }

    /// `WHERE` fragment on `events e` with the same meaning as `admits`; `firstBind` is the
    /// number of its first placeholder.
    func sqlFilter(firstBind: Int) -> (sql: String, binds: [PostgresValue]) {
        var clauses: [String] = []
        var binds: [PostgresValue] = []
        if let agents {
            clauses.append("e.agent_name = ANY($\(firstBind + binds.count))")
            binds.append(.textArray(agents.sorted()))
        }
        if !seesEverything {
            let (visible, visibleBinds) = AgentRepository.visibility(identity, firstBind: firstBind + binds.count)
            clauses.append("EXISTS (SELECT 1 FROM agents a WHERE a.name = e.agent_name AND \(visible))")
            binds += visibleBinds
        }
        return (clauses.isEmpty ? "TRUE" : clauses.joined(separator: " AND "), binds)
    }
}

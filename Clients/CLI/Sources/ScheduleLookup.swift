import SundialClient

/// Finds the schedule a command names: a full id with `--agent` goes straight to the API;
/// otherwise the visible schedules are searched for the id or a unique prefix of it (the
/// tables show the first 8 characters).
struct ScheduleLookup {
    let client: SundialAPIClient

    func find(_ reference: String, agent: String?) async throws -> ScheduleInfo {
        if let agent, reference.count == 36 {
            return try await client.schedule(agent: agent, id: reference)
        }
        let wanted = reference.lowercased()
        let candidates = try await client.allSchedules(agents: agent).filter { $0.id.lowercased().hasPrefix(wanted) }
        switch candidates.count {
        case 1:
            return candidates[0]
        case 0:
            let scope = agent.map { " of agent \($0)" } ?? ""
            throw CLIFailure(.notFound, "no schedule\(scope) with id \(reference) (see `sundial schedules list`)")
        default:
            let ids = candidates.prefix(5).map { "\($0.id) (\($0.agentName): \($0.name))" }.joined(separator: ", ")
            throw CLIFailure.rejected("\(reference) matches \(candidates.count) schedules: \(ids); give more of the id")
        }
    }
}

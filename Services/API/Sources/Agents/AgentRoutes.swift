import APISupport
import Foundation
import Hummingbird

/// `/api/agents…`: register, list, get, delete, start/stop, autonomy.
struct AgentRoutes {
    let agents: AgentRepository
    let quotas: Quotas

    /// `[a-z0-9-]{1,63}`, as the agents table's CHECK constraint.
    static func isValidName(_ name: String) -> Bool {
        (1...63).contains(name.utf8.count)
            && name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
    }

    func add(to api: RouterGroup<APIRequestContext>) {
        api.post("agents") { request, context in try await create(request, context) }
        api.get("agents") { _, context in
            try JSONText.response(try await agents.list(for: try context.requireIdentity()))
        }
        api.get("agents/:name") { _, context in
            try JSONText.response(try await visibleAgent(context))
        }
        api.delete("agents/:name") { _, context -> Response in
            let agent = try await manageableAgent(context)
            try await agents.delete(agent.name)
            context.logger.info("agent deleted", metadata: ["agent": "\(agent.name)"])
            return Response(status: .noContent)
        }
        api.post("agents/:name/start") { _, context in try await setRunning(true, context) }
        api.post("agents/:name/stop") { _, context in try await setRunning(false, context) }
        api.put("agents/:name/autonomy") { request, context in
            let agent = try await manageableAgent(context)
            var body = try await JSONBody.read(request, context: context)
            let enabled = try body.required("enabled", .bool)
            try body.rejectUnknown()
            try await agents.setAutonomy(agent.name, enabled)
            return try JSONText.response(AutonomyAnswer(agent_name: agent.name, autonomy_enabled: enabled))
        }
    }

    struct AutonomyAnswer: Encodable {
        var agent_name: String
        var autonomy_enabled: Bool
    }

    struct RunningAnswer: Encodable {
        var status: String
        var agent_name: String
        var message: String
    }

    private func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        guard identity.agentScope == nil else { throw APIError.forbidden("An agent-scoped key cannot register agents") }
        var body = try await JSONBody.read(request, context: context)
        let name = try body.required("name", .string)
        guard Self.isValidName(name) else {
            throw APIError.badRequest(
                "name: must be 1-63 characters of lowercase letters, digits and '-', got \(JSONText.quote(name))",
                code: "invalid_name")
        }
        let endpoint = try body.optional("endpoint_url", .string)
        if let endpoint { try FieldRules.httpURL("endpoint_url", endpoint) }
        let maxConcurrency = try body.optional("max_concurrency", .int) ?? 10
        guard (1...1000).contains(maxConcurrency) else {
            throw APIError.badRequest("max_concurrency: must be between 1 and 1000, got \(maxConcurrency)")
        }
        let webhook = try body.optional("notify_webhook_url", .string)
        if let webhook { try FieldRules.httpURL("notify_webhook_url", webhook) }
        // Other keys (Trinity clients send `template`, `resources`) are accepted and ignored.
        try await quotas.checkAgents(identity)
        guard let agent = try await agents.insert(
            name: name, owner: identity.userID, endpointURL: endpoint, maxConcurrency: maxConcurrency, notifyWebhookURL: webhook)
        else {
            throw APIError.conflict("Agent \(JSONText.quote(name)) already exists", code: "agent_exists")
        }
        context.logger.info("agent registered", metadata: ["agent": "\(name)", "endpoint": "\(agent.endpointURL)"])
        return try JSONText.response(agent, status: .created)
    }

    private func setRunning(_ running: Bool, _ context: APIRequestContext) async throws -> Response {
        let agent = try await manageableAgent(context)
        try await agents.setEnabled(agent.name, running)
        context.logger.info(running ? "agent started" : "agent stopped", metadata: ["agent": "\(agent.name)"])
        return try JSONText.response(RunningAnswer(
            status: running ? "running" : "stopped", agent_name: agent.name,
            message: running ? "Agent started: its schedules run again" : "Agent stopped: its schedules are skipped until it is started"
        ))
    }

    /// The agent named in the path if the caller may see it; 404 otherwise.
    func visibleAgent(_ context: APIRequestContext) async throws -> AgentRecord {
        let identity = try context.requireIdentity()
        let name = context.parameters.get("name") ?? ""
        guard let agent = try await agents.find(name, for: identity) else { throw APIError.notFound("Agent not found") }
        return agent
    }

    /// The agent if the caller may change the agent itself (owner or admin, not an agent key).
    func manageableAgent(_ context: APIRequestContext) async throws -> AgentRecord {
        let agent = try await visibleAgent(context)
        if try context.requireIdentity().agentScope != nil {
            throw APIError.forbidden("An agent-scoped key cannot manage the agent itself")
        }
        return agent
    }
}

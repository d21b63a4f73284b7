import Domain

/// `/api/agents…`.
extension SundialAPIClient {
    public func agents() async throws -> [AgentInfo] {
        try Self.list(try await call("GET", "/api/agents"), AgentInfo.init)
    }

    public func agent(_ name: String) async throws -> AgentInfo {
        try AgentInfo(json: try await call("GET", "/api/agents/\(URLText.segment(name))"))
    }

    /// Registers an agent; without `endpointURL` the API derives it from its URL template.
    public func createAgent(name: String, endpointURL: String? = nil, maxConcurrency: Int? = nil) async throws -> AgentInfo {
        var body: [String: JSONValue] = ["name": .string(name)]
        if let endpointURL { body["endpoint_url"] = .string(endpointURL) }
        if let maxConcurrency { body["max_concurrency"] = .int(maxConcurrency) }
        return try AgentInfo(json: try await call("POST", "/api/agents", body: .json(.object(body))))
    }

    /// Removes the agent and its schedules.
    public func deleteAgent(_ name: String) async throws {
        _ = try await call("DELETE", "/api/agents/\(URLText.segment(name))")
    }

    /// Decodes a JSON array with `make`, or says the answer was not an array.
    static func list<T>(_ json: JSONValue, _ make: (JSONValue) throws(SundialClientError) -> T) throws(SundialClientError) -> [T] {
        guard case .array(let items) = json else {
            throw .invalidResponse("expected a JSON array, got \(JSONText.compact(json).prefix(200))")
        }
        var result: [T] = []
        result.reserveCapacity(items.count)
        for item in items { result.append(try make(item)) }
        return result
    }
}

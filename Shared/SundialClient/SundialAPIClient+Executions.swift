import Domain

/// Executions: the cross-agent history, one execution, cancel.
extension SundialAPIClient {
    /// A filter for `GET /api/executions`.
    public struct ExecutionQuery: Sendable, Equatable {
        /// `a,b`: only these agents.
        public var agents: String?
        public var scheduleID: String?
        /// `success,failed`.
        public var statuses: String?
        public var limit: Int?
        /// `X-Next-Cursor` of a previous page.
        public var cursor: String?

        public init(agents: String? = nil, scheduleID: String? = nil, statuses: String? = nil, limit: Int? = nil, cursor: String? = nil) {
            self.agents = agents
            self.scheduleID = scheduleID
            self.statuses = statuses
            self.limit = limit
            self.cursor = cursor
        }
    }

    /// One page of history, newest first, and the cursor of the next page.
    public func executions(_ query: ExecutionQuery = ExecutionQuery()) async throws -> (executions: [ExecutionInfo], nextCursor: String?) {
        let response = try await send(
            "GET", "/api/executions",
            query: [
                ("agent", query.agents), ("schedule_id", query.scheduleID), ("status", query.statuses),
                ("limit", query.limit.map(String.init)), ("cursor", query.cursor),
            ])
        return (try Self.list(try JSONText.parse(response.body), ExecutionInfo.init), response.header("X-Next-Cursor"))
    }

    /// One execution with its log.
    public func execution(agent: String, id: String) async throws -> ExecutionInfo {
        try ExecutionInfo(json: try await call("GET", "/api/agents/\(URLText.segment(agent))/executions/\(URLText.segment(id))"))
    }

    /// Ends a pending or running execution as `cancelled`; a finished one answers `already_finished`.
    public func cancelExecution(agent: String, id: String) async throws -> CancelResult {
        try CancelResult(json: try await call("POST", "/api/agents/\(URLText.segment(agent))/executions/\(URLText.segment(id))/cancel"))
    }
}

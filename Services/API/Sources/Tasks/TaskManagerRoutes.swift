import APISupport
import Domain
import Foundation
import Hummingbird
import Postgres

/// The cross-agent task view of a task-manager page (`/api/tasks…`): ad-hoc executions
/// (manual and agent-to-agent tasks) of every agent the caller may see. Tasks are queued
/// and run by the scheduler like `POST /api/agents/{name}/task`; a follow-up `message`
/// continues the task's agent session as the next turn of its conversation
/// (`session_key`, `task:<id>` unless the task brought one), after the current turn and
/// never concurrently.
struct TaskManagerRoutes {
    let agents: AgentRoutes
    let agentRepository: AgentRepository
    let executions: ExecutionRepository
    let tasks: TaskRoutes
    let stream: ExecutionStreamRoute

    struct Count: Encodable { var count: Int }

    func add(to api: RouterGroup<APIRequestContext>) {
        api.get("tasks") { request, context in
            let query = ListQuery(request)
            var filter = ExecutionRepository.Filter()
            filter.agents = try await agentRepository.visibleNames(for: try context.requireIdentity(), filter: query.string("agent"))
            filter.statuses = try query.statuses()
            filter.limit = try query.limit()
            filter.adHocOnly = true
            return try JSONText.response(try await executions.list(filter).executions)
        }
        api.post("tasks") { request, context in
            var body = try await JSONBody.read(request, context: context)
            let name = try body.required("agent_name", .string)
            let input = try TaskInput(&body)
            guard let agent = try await agentRepository.find(name, for: try context.requireIdentity()) else {
                throw APIError.notFound("Agent not found")
            }
            let source = request.headers[.init("X-Source-Agent")!].flatMap { $0.isEmpty ? nil : $0 }
            let execution = try await tasks.enqueue(input, agent: agent, source: source, context: context)
            return try JSONText.response(TaskRoutes.Accepted(
                execution_id: execution.id, status: "pending", agent_name: agent.name,
                message: "Task queued. Poll GET /api/tasks/\(execution.id) or stream GET /api/tasks/\(execution.id)/stream"), status: .accepted)
        }
        api.get("tasks/running/count") { _, context in
            let names = try await agentRepository.visibleNames(for: try context.requireIdentity(), filter: nil)
            var sql = "SELECT count(*)::int AS n FROM executions WHERE schedule_id IS NULL AND triggered_by IN ('manual', 'agent') AND status = 'running'"
            var binds: [PostgresValue] = []
            if let names {
                sql += " AND agent_name = ANY($1)"
                binds.append(.textArray(names))
            }
            let count = try await executions.database.queryFirst(sql, binds)?.decode(Int.self, at: "n") ?? 0
            return try JSONText.response(Count(count: count))
        }
        api.get("tasks/:id") { _, context in
            try JSONText.response(try await task(context).execution)
        }
        api.get("tasks/:id/stream") { request, context in
            let (agent, execution) = try await task(context)
            return stream.stream(agent: agent, id: execution.id, request: request)
        }
        api.post("tasks/:id/cancel") { _, context in
            let (agent, execution) = try await task(context)
            switch try await executions.cancel(agent: agent.name, id: execution.id) {
            case .notFound: throw APIError.notFound("Task not found")
            case .cancelled(let done):
                context.logger.info("task cancelled", metadata: ["execution_id": "\(done.id)"])
                return try JSONText.response(ExecutionRoutes.CancelAnswer(status: "cancelled", execution_id: done.id, execution_status: done.status))
            case .alreadyFinished(let done):
                return try JSONText.response(ExecutionRoutes.CancelAnswer(status: "already_finished", execution_id: done.id, execution_status: done.status))
            }
        }
        api.delete("tasks/:id") { _, context -> Response in
            let (agent, execution) = try await task(context)
            _ = try await executions.cancel(agent: agent.name, id: execution.id)
            try await executions.database.execute("DELETE FROM executions WHERE id = $1::uuid", .text(execution.id))
            context.logger.info("task deleted", metadata: ["execution_id": "\(execution.id)"])
            return Response(status: .noContent)
        }
        api.post("tasks/:id/message") { request, context in
            let (agent, execution) = try await task(context)
            var body = try await JSONBody.read(request, context: context)
            let message = try body.required("message", .string)
            try body.rejectUnknown()
            guard (1...100_000).contains(message.count) else {
                throw APIError.badRequest("message: must be 1-100000 characters long, got \(message.count)")
            }
            let followUp = try await queueFollowUp(message, after: execution, agent: agent, context: context)
            return try JSONText.response(TaskRoutes.Accepted(
                execution_id: followUp.id, status: "pending", agent_name: agent.name,
                message: "Follow-up queued as the next turn of task \(execution.id)'s session; poll GET /api/tasks/\(followUp.id)"),
                status: .accepted)
        }
    }

    /// The next turn of `original`'s conversation. A task without a session key gets
    /// `task:<id>` now, so the follow-up waits for it if it is still running.
    private func queueFollowUp(_ message: String, after original: Execution, agent: AgentRecord, context: APIRequestContext) async throws -> Execution {
        let key = original.sessionKey ?? "task:\(original.id)"
        if original.sessionKey == nil {
            try await executions.database.execute(
                "UPDATE executions SET session_key = $2 WHERE id = $1::uuid AND session_key IS NULL", .text(original.id), .text(key))
        }
        let row = try await executions.database.queryFirst(
            "SELECT context, timeout_seconds, allowed_tools, model_used FROM executions WHERE id = $1::uuid", .text(original.id))
        var input = try TaskInput.followUp(message: message, sessionKey: key)
        if let row {
            if !row.isNull("context"), case .object(let members) = try row.decodeJSON(JSONValue.self, at: "context") { input.context = members }
            input.timeout = try row.decodeIfPresent(Int.self, at: "timeout_seconds") ?? input.timeout
            input.tools = row.isNull("allowed_tools") ? nil : try row.decodeJSON([String].self, at: "allowed_tools")
            input.model = try row.decodeIfPresent(String.self, at: "model_used")
        }
        return try await tasks.enqueue(input, agent: agent, source: nil, context: context)
    }

    /// The task in the path, if its agent is visible to the caller; 404 otherwise.
    private func task(_ context: APIRequestContext) async throws -> (agent: AgentRecord, execution: Execution) {
        let id = context.parameters.get("id") ?? ""
        guard let uuid = UUID(uuidString: id),
              let row = try await executions.database.queryFirst(
                  "SELECT agent_name FROM executions WHERE id = $1 AND schedule_id IS NULL AND triggered_by IN ('manual', 'agent')", .uuid(uuid)),
              let agent = try await agentRepository.find(try row.decode(String.self, at: "agent_name"), for: try context.requireIdentity()),
              let execution = try await executions.find(agent: agent.name, id: id)
        else { throw APIError.notFound("Task not found") }
        return (agent, execution)
    }
}

extension TaskInput {
    /// A follow-up turn: the message, queued async in the given conversation.
    static func followUp(message: String, sessionKey: String) throws -> TaskInput {
        var body = FieldReader(["message": .string(message), "async": .bool(true), "session_key": .string(sessionKey)])
        return try TaskInput(&body)
    }
}

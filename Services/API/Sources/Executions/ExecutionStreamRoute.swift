import APISupport
import Cron
import Domain
import Foundation
import Hummingbird

/// `GET /api/agents/{name}/executions/{id}/stream`: Server-Sent Events of one execution's status.
/// Event ids follow the lifecycle (1 pending, 2 running, 3 final), so a client reconnecting with
/// `Last-Event-ID` gets exactly what it has not seen; a finished execution replays its final
/// state, then `{"type":"stream_end"}`, and the stream closes.
struct ExecutionStreamRoute {
    let agents: AgentRoutes
    let executions: ExecutionRepository
    var pollInterval: Duration = .milliseconds(250)
    var keepAliveInterval: Duration = .seconds(15)
    var maximumDuration: Duration = .seconds(7200 + 300)

    func add(to api: RouterGroup<APIRequestContext>) {
        api.get("agents/:name/executions/:execution_id/stream") { request, context -> Response in
            let agent = try await agents.visibleAgent(context)
            let id = context.parameters.get("execution_id") ?? ""
            guard try await executions.find(agent: agent.name, id: id) != nil else { throw APIError.notFound("Execution not found") }
            return stream(agent: agent, id: id, request: request)
        }
    }

    /// The SSE response for an execution the caller may see (also `GET /api/tasks/{id}/stream`).
    func stream(agent: AgentRecord, id: String, request: Request) -> Response {
        let lastSeen = request.headers[.init("Last-Event-ID")!].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 0
        let executions = self.executions
        let (poll, keepAlive, maximum) = (pollInterval, keepAliveInterval, maximumDuration)
        let body = ResponseBody { writer in
            var sent = lastSeen
            let started = ContinuousClock.now
            var lastWrite = ContinuousClock.now
            while ContinuousClock.now - started < maximum {
                guard let execution = try await executions.find(agent: agent.name, id: id) else {
                    try await writer.write(ByteBuffer(string: Self.frame(id: nil, ["type": "error", "message": "execution deleted"])))
                    break
                }
                let rank = Self.rank(execution.status)
                if rank > sent {
                    try await writer.write(ByteBuffer(string: Self.frame(id: rank, Self.payload(execution))))
                    sent = rank
                    lastWrite = .now
                }
                if execution.status.isFinal { break }
                if ContinuousClock.now - lastWrite > keepAlive {
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    lastWrite = .now
                }
                try await Task.sleep(for: poll)
            }
            try await writer.write(ByteBuffer(string: Self.frame(id: nil, ["type": "stream_end"])))
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .init("X-Accel-Buffering")!: "no"],
            body: body)
    }

    static func rank(_ status: ExecutionStatus) -> Int {
        switch status {
        case .pending: 1
        case .running: 2
        case .success, .failed, .skipped, .cancelled: 3
        }
    }

    static func payload(_ e: Execution) -> [String: Any] {
        var payload: [String: Any] = [
            "type": "status", "execution_id": e.id, "agent_name": e.agentName, "status": e.status.rawValue,
            "triggered_by": e.triggeredBy.rawValue,
        ]
        if let started = e.startedAt { payload["started_at"] = InstantFormat.stringWithMilliseconds(started) }
        if let completed = e.completedAt { payload["completed_at"] = InstantFormat.stringWithMilliseconds(completed) }
        if let duration = e.durationMs { payload["duration_ms"] = duration }
        if let error = e.error { payload["error"] = error }
        if e.status.isFinal, let response = e.response { payload["response"] = response }
        return payload
    }

    static func frame(id: Int?, _ payload: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])) ?? Data("{}".utf8)
        let idLine = id.map { "id: \($0)\n" } ?? ""
        return "\(idLine)data: \(String(decoding: data, as: UTF8.self))\n\n"
    }
}

import Foundation
import Hummingbird
import Logging
import Observability
import SundialConfig

/// Wires the reference agent's HTTP surface: `POST /api/task` and `GET /health`, also under
/// `/agents/{name}/…` so one stub can answer for every agent of a URL template.
public func buildAgentStubApplication(config: AgentStubConfig, logger: Logger) -> some ApplicationProtocol {
    let agent = StubAgent(
        settings: .init(delay: .milliseconds(config.delayMilliseconds), failureRate: config.failureRate, maxConcurrency: config.maxConcurrency),
        logger: logger
    )
    let router = Router()
    let registry = MetricsSetup.bootstrap()
    OperationalRoutes.add(to: router, service: "sundial-agent-stub", registry: registry, checks: [])
    router.get("/agents/:name/health") { _, _ -> Response in
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"ok\"}")))
    }
    router.get("/stats") { _, _ -> Response in
        let data = (try? JSONEncoder().encode(agent.stats)) ?? Data()
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
    router.post("/api/task") { request, context in
        try await handleTask(agent: agent, name: "default", request: request, context: context)
    }
    router.post("/agents/:name/api/task") { request, context in
        let name = context.parameters.get("name") ?? "default"
        return try await handleTask(agent: agent, name: name, request: request, context: context)
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "sundial-agent-stub", backlog: 4096),
        logger: logger
    )
}

private func handleTask(agent: StubAgent, name: String, request: Request, context: some RequestContext) async throws -> Response {
    let body = try await request.body.collect(upTo: 4 * 1024 * 1024)
    let task: StubAgent.TaskRequest
    do {
        task = try JSONDecoder().decode(StubAgent.TaskRequest.self, from: Data(buffer: body))
    } catch {
        return json(.unprocessableContent, "{\"detail\":\"body must be JSON with a message\",\"code\":\"invalid_body\"}")
    }
    switch await agent.handle(agent: name, request: task) {
    case .completed(let text):
        return json(.ok, text)
    case .busy:
        var response = json(.tooManyRequests, "{\"detail\":\"agent busy\",\"code\":\"busy\"}")
        response.headers[.retryAfter] = "1"
        return response
    case .failed(let status, let detail):
        return json(.init(code: status), "{\"detail\":\"\(detail)\",\"code\":\"agent_error\"}")
    }
}

private func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
}

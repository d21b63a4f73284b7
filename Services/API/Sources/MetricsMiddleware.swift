import Hummingbird
import Metrics

/// Counts requests by method, route and status, and times them (Prometheus names
/// `sundial_http_requests_total`, `sundial_http_request_duration_seconds`).
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let route = context.endpointPath ?? "unmatched"
            let dimensions = [("method", request.method.rawValue), ("route", route), ("status", String(status))]
            Counter(label: "sundial_http_requests_total", dimensions: dimensions).increment()
            Timer(label: "sundial_http_request_duration_seconds", dimensions: [("method", request.method.rawValue), ("route", route)])
                .recordInterval(since: start)
        }
        do {
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch let error as any HTTPResponseError {
            status = error.status.code
            throw error
        }
    }
}

extension Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}

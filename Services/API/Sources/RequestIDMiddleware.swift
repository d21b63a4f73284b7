import HTTPTypes
import Hummingbird

/// Echoes the request id (the client's `X-Request-Id`, or Hummingbird's own id, which
/// is also in every log line of the request as `hb.request.id`) on the response.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = request.headers[.requestID].flatMap { $0.isEmpty || $0.count > 200 ? nil : $0 } ?? context.id
        var logged = context
        logged.logger[metadataKey: "request_id"] = .string(id)
        do {
            var response = try await next(request, logged)
            response.headers[.requestID] = id
            return response
        } catch let error as any HTTPResponseError {
            var response = try error.response(from: request, context: logged)
            response.headers[.requestID] = id
            return response
        }
    }
}

extension HTTPField.Name {
    static let requestID = Self("X-Request-Id")!
}

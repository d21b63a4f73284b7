import APISupport
import Foundation
import Hummingbird

/// `GET /openapi.json` — public (no auth): the OpenAPI 3.1 contract of the REST API
/// (`Resources/openapi.json`, kept in the repo and checked against the router by
/// `Tests/OpenAPITests`). Read from the module's bundle once, then served from memory.
enum OpenAPIRoute {
    /// The document's bytes, or nil when the resource bundle lacks it (a packaging error).
    static let document: ByteBuffer? = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
              let data = try? Data(contentsOf: url)
        else { return nil }
        return ByteBuffer(bytes: data)
    }()

    static func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("/openapi.json") { _, _ -> Response in
            guard let document else {
                throw APIError(.internalServerError, "OpenAPI document missing from the API module's bundle", code: "internal_error")
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "no-cache"],
                body: .init(byteBuffer: document))
        }
    }
}

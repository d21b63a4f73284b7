import APISupport
import Foundation
import Hummingbird
import Postgres

/// Requires `Authorization: Bearer <jwt or sk_ key>` and puts the caller's
/// `Identity` on the context; otherwise 401 `{"detail": "Not authenticated",
/// "code": "unauthorized"}` with `WWW-Authenticate: Bearer`.
///
/// Two ways to install it:
/// - on the router, before any route, with `onlyUnder: "/api"`: every request
///   whose path starts with `/api/` is checked before routing, so even paths no
///   route matches answer 401 rather than 404 (API.md: auth before anything else);
/// - on a `RouterGroup` (no prefix): checks the group's routes.
public struct AuthMiddleware: RouterMiddleware {
    public typealias Context = APIRequestContext

    let service: AuthService
    /// Lowercased path components of the protected prefix; nil = everything.
    let prefixComponents: [String]?

    public init(service: AuthService, onlyUnder pathPrefix: String? = nil) {
        self.service = service
        self.prefixComponents = pathPrefix.map(Self.components)
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if let prefixComponents, !Self.components(request.uri.path).starts(with: prefixComponents) {
            return try await next(request, context)
        }
        guard let credential = Self.bearerCredential(in: request.headers) else { throw APIError.unauthorized() }
        let identity: Identity?
        do {
            identity = try await service.authenticate(bearer: credential)
        } catch let error as PostgresError where error.isConnectionError || error.code == .poolClosed {
            context.logger.warning("authentication needs the database", metadata: ["error": "\(error)"])
            throw APIError(
                .serviceUnavailable, "Database unavailable", code: "service_unavailable", headers: [.retryAfter: "5"])
        }
        guard let identity else { throw APIError.unauthorized("Could not validate credentials") }
        var context = context
        context.identity = identity
        context.logger[metadataKey: "user"] = "\(identity.username)"
        return try await next(request, context)
    }

    /// The credential of an `Authorization: Bearer …` header (scheme matched
    /// case-insensitively). Nil when absent, of another scheme, empty, or when
    /// several Authorization headers make it ambiguous.
    public static func bearerCredential(in headers: HTTPFields) -> String? {
        let values = headers[values: .authorization]
        guard values.count == 1, let value = values.first else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " "), trimmed[..<space].lowercased() == "bearer" else { return nil }
        let credential = trimmed[space...].trimmingCharacters(in: .whitespaces)
        guard !credential.isEmpty, !credential.contains(" ") else { return nil }
        return credential
    }

    /// `/API//agents/%61` → `["api", "agents", "a"]`: how the router sees a path
    /// (empty components dropped), percent-decoded and lowercased so no spelling
    /// of a protected path slips past the prefix check.
    static func components(_ path: String) -> [String] {
        let withoutQuery = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return withoutQuery.split(separator: "/").map { component in
            (String(component).removingPercentEncoding ?? String(component)).lowercased()
        }
    }
}

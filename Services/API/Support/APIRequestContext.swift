import Hummingbird
import Logging
import NIOCore

/// The request context of every API route: Hummingbird's core context plus the caller's
/// identity, set by the authentication middleware on `/api/*` routes.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Identity?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
    }

    /// JSON request bodies up to 1 MiB; larger ones answer 413.
    public var maxUploadSize: Int { 1024 * 1024 }

    /// The authenticated caller; routes behind the auth middleware can rely on it.
    public func requireIdentity() throws -> Identity {
        guard let identity else { throw APIError.unauthorized() }
        return identity
    }
}

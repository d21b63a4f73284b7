import APISupport
import Cron
import Foundation
import Hummingbird

/// `POST /token`, `/api/users…` and `/api/keys…`.
public enum AuthRoutes {
    /// Adds `POST /token` to `router` and the user and key routes to `group`
    /// (the `/api` group, behind `AuthMiddleware`; the handlers also refuse a
    /// context without an identity, so a missing middleware fails closed).
    public static func add(
        public router: Router<APIRequestContext>, protected group: RouterGroup<APIRequestContext>,
        service: AuthService
    ) {
        router.post("token") { request, context in
            let credentials = try await LoginCredentials.read(request, context: context)
            let token = try await service.login(username: credentials.username, password: credentials.password)
            return try noStore(
                JSONText.response(TokenResponse(access_token: token.token, expires_in: token.expiresIn)))
        }

        group.get("users/me") { _, context in
            let identity = try context.requireIdentity()
            guard let user = try await service.user(id: identity.userID) else { throw APIError.unauthorized() }
            return try JSONText.response(UserResponse(user, scope: identity.scope))
        }

        group.get("users") { _, context in
            let users = try await service.listUsers(by: try context.requireIdentity())
            return try JSONText.response(users.map { UserResponse($0) })
        }

        group.post("users") { request, context in
            let identity = try context.requireIdentity()
            try AuthPolicy.requireUserAdministration(identity)  // 403 before looking at the body
            var body = try await JSONBody.read(request, context: context)
            let username = try body.required("username", .string)
            let password = try body.required("password", .string)
            let role = try body.optional("role", .oneOf(Identity.Role.self)) ?? .user
            try body.rejectUnknown()
            let user = try await service.createUser(by: identity, username: username, password: password, role: role)
            return try JSONText.response(UserResponse(user), status: .created)
        }

        group.post("keys") { request, context in
            let identity = try context.requireIdentity()
            try AuthPolicy.requireKeyManagement(identity)
            var body = try await JSONBody.read(request, context: context)
            let name = try body.required("name", .string)
            let kind = try body.optional("scope", .oneOf(KeyScopeKind.self)) ?? .user
            let agentName = try body.optional("agent_name", .string)
            try body.rejectUnknown()
            let scope: Identity.Scope
            switch (kind, agentName) {
            case (.user, nil): scope = .user
            case (.user, _?): throw FieldReader.invalid("agent_name", "only allowed when scope is \"agent\"")
            case (.agent, let agent?): scope = .agent(agent)
            case (.agent, nil):
                throw APIError.unprocessable("agent_name: required when scope is \"agent\"", code: "missing_field")
            }
            let created = try await service.createAPIKey(by: identity, name: name, scope: scope)
            return try noStore(JSONText.response(KeyResponse(created.record, secret: created.secret), status: .created))
        }

        group.get("keys") { _, context in
            let keys = try await service.listAPIKeys(by: try context.requireIdentity())
            return try JSONText.response(keys.map { KeyResponse($0, secret: nil) })
        }

        group.delete("keys/{id}") { _, context in
            let id = context.parameters.get("id") ?? ""
            try await service.deleteAPIKey(by: try context.requireIdentity(), id: id)
            return Response(status: .noContent)
        }
    }

    /// Responses carrying credentials must not be cached (RFC 6749 §5.1).
    private static func noStore(_ response: Response) -> Response {
        var response = response
        response.headers[.cacheControl] = "no-store"
        return response
    }

    private enum KeyScopeKind: String, CaseIterable, Sendable {
        case user
        case agent
    }
}

/// The username and password of `POST /token`: a form (OAuth2 password flow:
/// `grant_type=password&username=…&password=…`, other form fields ignored) or a
/// JSON object. Without a content type, a body starting with `{` is JSON.
struct LoginCredentials {
    var username: String
    var password: String

    static func read(_ request: Request, context: APIRequestContext) async throws -> LoginCredentials {
        let bytes = try await JSONBody.collect(request, context: context) { mediaType in
            mediaType == nil || mediaType == FormBody.mediaType || JSONBody.isJSON(mediaType)
        }
        let isJSON: Bool
        if let contentType = request.headers[.contentType] {
            isJSON = JSONBody.isJSON(JSONBody.mediaType(contentType))
        } else {
            isJSON = bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "{")
        }
        if !isJSON {
            let form = try FormBody.parse(bytes)
            if let grant = form["grant_type"], !grant.isEmpty, grant != "password" {
                throw FieldReader.invalid("grant_type", "must be \"password\"")
            }
            return LoginCredentials(
                username: try Self.require(form["username"], "username"),
                password: try Self.require(form["password"], "password"))
        }
        var body = try JSONBody.parseObject(bytes)
        if let grant = try body.optional("grant_type", .string), grant != "password" {
            throw FieldReader.invalid("grant_type", "must be \"password\"")
        }
        return LoginCredentials(
            username: try body.required("username", .string(allowNUL: true)),
            password: try body.required("password", .string(allowNUL: true)))
    }

    private static func require(_ value: String?, _ name: String) throws -> String {
        guard let value else { throw APIError.unprocessable("\(name): required", code: "missing_field") }
        return value
    }
}

// MARK: Response bodies

struct TokenResponse: Encodable {
    var access_token: String
    var token_type = "bearer"
    var expires_in: Int

    init(access_token: String, expires_in: Int) {
        self.access_token = access_token
        self.expires_in = expires_in
    }
}

struct UserResponse: Encodable {
    var id: String
    var username: String
    var role: String
    var created_at: String
    /// Only in `GET /api/users/me`: how the caller authenticated.
    var scope: String?
    var agent_name: String?
    private var includesScope: Bool

    init(_ user: UserRecord, scope: Identity.Scope? = nil) {
        id = user.id.uuidString.lowercased()
        username = user.username
        role = user.role.rawValue
        created_at = InstantFormat.stringWithMilliseconds(user.createdAt)
        self.scope = scope?.kind
        agent_name = scope?.agentName
        includesScope = scope != nil
    }

    enum CodingKeys: String, CodingKey {
        case id, username, role, created_at, scope, agent_name
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(username, forKey: .username)
        try container.encode(role, forKey: .role)
        try container.encode(created_at, forKey: .created_at)
        if includesScope {
            try container.encode(scope, forKey: .scope)
            try container.encode(agent_name, forKey: .agent_name)  // null for a user
        }
    }
}

struct KeyResponse: Encodable {
    var record: APIKeyRecord
    /// Only in the creation response.
    var secret: String?

    init(_ record: APIKeyRecord, secret: String?) {
        self.record = record
        self.secret = secret
    }

    enum CodingKeys: String, CodingKey {
        case id, name, scope, agent_name, key, prefix, created_at, last_used_at
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(record.id.uuidString.lowercased(), forKey: .id)
        try container.encode(record.name, forKey: .name)
        try container.encode(record.scope.kind, forKey: .scope)
        try container.encode(record.scope.agentName, forKey: .agent_name)
        if let secret { try container.encode(secret, forKey: .key) }
        try container.encode(record.prefix, forKey: .prefix)
        try container.encode(InstantFormat.stringWithMilliseconds(record.createdAt), forKey: .created_at)
        try container.encode(record.lastUsedAt.map(InstantFormat.stringWithMilliseconds), forKey: .last_used_at)
    }
}

import APIAuth
import APISupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// The auth routes against a real Postgres (a fresh database per test).
@Suite("Auth routes (real Postgres)", .enabled(if: AuthTestDatabase.isConfigured), .timeLimit(.minutes(2)))
struct AuthRoutesTests {
    /// A migrated database, a service with admin `root` / `root-password`, and a test client.
    func withApp(
        clock: TestClock = TestClock(),
        _ body: @Sendable (any TestClientProtocol, AuthService, PostgresPool) async throws -> Void
    ) async throws {
        try await AuthTestDatabase.withMigratedDatabase { pool in
            let service = try makeService(pool, clock: clock)
            #expect(try await service.bootstrapAdmin(username: "root", password: "root-password") == nil)
            try await Application(router: makeRouter(service)).test(.router) { client in
                try await body(client, service, pool)
            }
        }
    }

    /// Creates a user through the API (as root) and returns a token for it.
    func createUser(_ client: any TestClientProtocol, admin: String, _ name: String, role: String = "user") async throws
        -> String
    {
        let reply = try await client.send(
            .post, "/api/users", token: admin,
            body: try jsonText(["username": name, "password": "\(name)-password", "role": role]))
        try #require(reply.status == .created, "\(reply.text)")
        return try await client.login(name, "\(name)-password")
    }

    func expectUnauthorized(_ reply: Reply, _ comment: Comment? = nil) {
        #expect(reply.status == .unauthorized, comment)
        #expect(reply.headers[.wwwAuthenticate] == "Bearer", comment)
        #expect(reply.code == "unauthorized", comment)
        #expect(reply.detail?.isEmpty == false, comment)
        #expect(reply.text.hasPrefix(#"{"detail":"#), "detail comes first")
    }

    // MARK: Login

    @Test func loginWithAFormReturnsABearerToken() async throws {
        try await withApp { client, _, _ in
            let reply = try await client.send(
                .post, "/token", contentType: "application/x-www-form-urlencoded",
                body: "grant_type=password&username=root&password=root-password&scope=&client_id=")
            #expect(reply.status == .ok)
            #expect(reply.json["token_type"] as? String == "bearer")
            #expect(reply.json["expires_in"] as? Int == 3600)
            #expect(reply.headers[.cacheControl] == "no-store")
            let token = try #require(reply.json["access_token"] as? String)
            #expect(token.split(separator: ".").count == 3)

            let me = try await client.send(.get, "/api/users/me", token: token)
            #expect(me.status == .ok)
            #expect(me.json["username"] as? String == "root")
            #expect(me.json["role"] as? String == "admin")
            #expect(UUID(uuidString: me.json["id"] as? String ?? "") != nil)
            let createdAt = try #require(me.json["created_at"] as? String)
            #expect(createdAt.count == 24 && createdAt.hasSuffix("Z"), "\(createdAt)")
            #expect(me.json["scope"] as? String == "user")
        }
    }

    @Test func loginAlsoAcceptsJSON() async throws {
        try await withApp { client, _, _ in
            let json = try await client.send(.post, "/token", body: #"{"username":"root","password":"root-password"}"#)
            #expect(json.status == .ok)
            #expect(json.json["access_token"] is String)
            // No content type: a body starting with "{" is JSON, anything else a form.
            let sniffedJSON = try await client.send(
                .post, "/token", contentType: nil, body: #" {"username":"root","password":"root-password"}"#)
            #expect(sniffedJSON.status == .ok)
            let sniffedForm = try await client.send(
                .post, "/token", contentType: nil, body: "username=root&password=root-password")
            #expect(sniffedForm.status == .ok)
        }
    }

    @Test func badCredentialsAre401WithTheSameMessage() async throws {
        try await withApp { client, _, _ in
            for body in [
                "username=root&password=wrong-password", "username=nobody&password=root-password",
                "username=ROOT&password=root-password", "username=root%00&password=x",
            ] {
                let reply = try await client.send(
                    .post, "/token", contentType: "application/x-www-form-urlencoded", body: body)
                #expect(reply.status == .unauthorized, "\(body)")
                #expect(reply.detail == "Incorrect username or password", "\(body)")
                #expect(reply.headers[.wwwAuthenticate] == "Bearer")
            }
        }
    }

    @Test func missingLoginFieldsAre422() async throws {
        try await withApp { client, _, _ in
            let form = try await client.send(
                .post, "/token", contentType: "application/x-www-form-urlencoded", body: "username=root")
            #expect(form.status == .unprocessableContent)
            #expect(form.detail == "password: required")
            let json = try await client.send(.post, "/token", body: #"{"password":"x"}"#)
            #expect(json.status == .unprocessableContent)
            #expect(json.detail == "username: required")
            let wrongType = try await client.send(.post, "/token", body: #"{"username":1,"password":"x"}"#)
            #expect(wrongType.status == .unprocessableContent)
            let grant = try await client.send(
                .post, "/token", contentType: "application/x-www-form-urlencoded",
                body: "grant_type=client_credentials&username=root&password=root-password")
            #expect(grant.status == .unprocessableContent)
            let plain = try await client.send(
                .post, "/token", contentType: "text/plain", body: "username=root&password=x")
            #expect(plain.status == .unsupportedMediaType)
        }
    }

    // MARK: Bearer authentication

    @Test func missingOrBadTokensAre401EvenWhereTheRouteWouldSay404() async throws {
        let clock = TestClock()
        try await withApp(clock: clock) { client, service, _ in
            let good = try await client.login("root", "root-password")
            let parts = good.split(separator: ".").map(String.init)
            let noneHeader = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString()
                .replacingOccurrences(of: "=", with: "")
            var forgedPayload = parts[1]
            forgedPayload.removeLast()
            forgedPayload += forgedPayload.hasSuffix("A") ? "B" : "A"
            let rootID = try #require(
                UUID(uuidString: try await client.send(.get, "/api/users/me", token: good).json["id"] as? String ?? ""))
            let expired = try service.issueToken(for: try #require(try await service.user(id: rootID)))
            clock.advance(by: 3601)

            let cases: [(String, HTTPFields)] = [
                ("no header", [:]),
                ("garbage", [.authorization: "Bearer garbage"]),
                ("empty bearer", [.authorization: "Bearer "]),
                ("basic scheme", [.authorization: "Basic cm9vdDpyb290LXBhc3N3b3Jk"]),
                ("expired", [.authorization: "Bearer \(expired.token)"]),
                ("tampered payload", [.authorization: "Bearer \(parts[0]).\(forgedPayload).\(parts[2])"]),
                ("alg none", [.authorization: "Bearer \(noneHeader).\(parts[1])."]),
                ("unknown key", [.authorization: "Bearer sk_" + String(repeating: "A", count: 43)]),
                ("malformed key", [.authorization: "Bearer sk_nope"]),
            ]
            for (name, headers) in cases {
                for path in ["/api/users/me", "/api/agents/nonexistent", "/api/no/such/route", "/API//users/me"] {
                    let reply = try await client.send(.get, path, headers: headers)
                    expectUnauthorized(reply, "\(name) \(path)")
                }
            }
            // Paths outside /api stay public; /token is public.
            #expect(try await client.send(.get, "/public").status == .ok)
        }
    }

    @Test func theSchemeIsCaseInsensitiveAndAuthenticatedUnknownIdsAre404() async throws {
        try await withApp { client, _, _ in
            let token = try await client.login("root", "root-password")
            for scheme in ["Bearer", "bearer", "BEARER"] {
                let reply = try await client.send(
                    .get, "/api/users/me", headers: [.authorization: "\(scheme)  \(token) "])
                #expect(reply.status == .ok, "\(scheme)")
            }
            let missing = try await client.send(.get, "/api/agents/nonexistent", token: token)
            #expect(missing.status == .notFound)
        }
    }

    @Test func aDeletedUsersTokenStopsWorking() async throws {
        try await withApp { client, _, pool in
            let root = try await client.login("root", "root-password")
            let bob = try await createUser(client, admin: root, "bob")
            #expect(try await client.send(.get, "/api/users/me", token: bob).status == .ok)
            try await pool.execute("DELETE FROM users WHERE username = 'bob'")
            expectUnauthorized(try await client.send(.get, "/api/users/me", token: bob))
        }
    }

    @Test func roleChangesApplyToExistingTokens() async throws {
        try await withApp { client, _, pool in
            let root = try await client.login("root", "root-password")
            let carol = try await createUser(client, admin: root, "carol", role: "admin")
            #expect(try await client.send(.get, "/api/users", token: carol).status == .ok)
            try await pool.execute("UPDATE users SET role = 'user' WHERE username = 'carol'")
            #expect(try await client.send(.get, "/api/users", token: carol).status == .forbidden)
        }
    }

    // MARK: Users

    @Test func adminCreatesUsersAndOthersMayNot() async throws {
        try await withApp { client, service, pool in
            let root = try await client.login("root", "root-password")
            let created = try await client.send(
                .post, "/api/users", token: root, body: #"{"username":"dave.o-k_1@example","password":"dave-password"}"#
            )
            #expect(created.status == .created)
            #expect(created.json["username"] as? String == "dave.o-k_1@example")
            #expect(created.json["role"] as? String == "user")
            #expect(created.json["password"] == nil && created.json["password_hash"] == nil)

            let duplicate = try await client.send(
                .post, "/api/users", token: root,
                body: #"{"username":"dave.o-k_1@example","password":"other-password"}"#)
            #expect(duplicate.status == .conflict)
            #expect(duplicate.code == "username_taken")

            let dave = try await client.login("dave.o-k_1@example", "dave-password")
            let forbidden = try await client.send(
                .post, "/api/users", token: dave, body: #"{"username":"eve","password":"eve-password"}"#)
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.code == "forbidden")
            #expect(try await client.send(.get, "/api/users", token: dave).status == .forbidden)
            // 403 comes before any look at the body.
            #expect(try await client.send(.post, "/api/users", token: dave, body: "not json").status == .forbidden)

            let list = try await client.send(.get, "/api/users", token: root)
            #expect(list.status == .ok)
            #expect(list.array.compactMap { $0["username"] as? String } == ["dave.o-k_1@example", "root"])

            // The stored hash is a salted scrypt hash, not the password, and it verifies.
            let row = try #require(
                try await pool.queryFirst(
                    "SELECT password_hash FROM users WHERE username = $1", .text("dave.o-k_1@example")))
            let stored = try row.decode(String.self, at: "password_hash")
            #expect(stored != "dave-password" && !stored.contains("dave-password"))
            #expect(stored.hasPrefix("scrypt$"))
            #expect(try await service.hasher.verify("dave-password", against: stored))
            #expect(try await !service.hasher.verify("dave-passwore", against: stored))
        }
    }

    @Test(arguments: [
        (#"{"password":"long-enough"}"#, "username: required"),
        (#"{"username":"frank"}"#, "password: required"),
        (#"{"username":"frank","password":"short"}"#, "password: must be 8 to 1024 characters long"),
        (#"{"username":"","password":"long-enough"}"#, "username: must be 1 to 64 characters long"),
        (#"{"username":"fr ank","password":"long-enough"}"#, "username: may contain only letters, digits and _ . @ -"),
        (
            #"{"username":"'; DROP TABLE users; --","password":"long-enough"}"#,
            "username: may contain only letters, digits and _ . @ -"
        ),
        (#"{"username":"zoë","password":"long-enough"}"#, "username: may contain only letters, digits and _ . @ -"),
        (#"{"username":"frank","password":"long-enough","role":"root"}"#, #"role: expected one of "admin", "user""#),
        (#"{"username":"frank","password":"long-enough","extra":1}"#, #"unknown field "extra""#),
        (#"{"username":5,"password":"long-enough"}"#, "username: expected a string, got a number"),
        (
            #"{"username":"frank","password":"long\u0000enough"}"#,
            "password: must not contain NUL (\u{5C}u0000) characters"
        ),
    ])
    func invalidUserFieldsAre422NamingTheField(body: String, detail: String) async throws {
        try await withApp { client, _, _ in
            let root = try await client.login("root", "root-password")
            let reply = try await client.send(.post, "/api/users", token: root, body: body)
            #expect(reply.status == .unprocessableContent)
            #expect(reply.detail == detail)
        }
    }

    @Test func a64CharacterUsernameIsFineAnd65IsNot() async throws {
        try await withApp { client, _, _ in
            let root = try await client.login("root", "root-password")
            let ok = try await client.send(
                .post, "/api/users", token: root,
                body: try jsonText(["username": String(repeating: "u", count: 64), "password": "long-enough"]))
            #expect(ok.status == .created)
            let tooLong = try await client.send(
                .post, "/api/users", token: root,
                body: try jsonText(["username": String(repeating: "u", count: 65), "password": "long-enough"]))
            #expect(tooLong.status == .unprocessableContent)
        }
    }

    // MARK: API keys

    @Test func anAPIKeyWorksAsABearerUntilDeleted() async throws {
        try await withApp { client, _, pool in
            let root = try await client.login("root", "root-password")
            let alice = try await createUser(client, admin: root, "alice")
            let name = "ci key ✓ '; DROP TABLE api_keys; --"
            let created = try await client.send(.post, "/api/keys", token: alice, body: try jsonText(["name": name]))
            #expect(created.status == .created)
            #expect(created.headers[.cacheControl] == "no-store")
            let secret = try #require(created.json["key"] as? String)
            let id = try #require(created.json["id"] as? String)
            #expect(secret.hasPrefix("sk_") && secret.count == 46)
            #expect(created.json["name"] as? String == name, "stored and returned intact")
            #expect(created.json["scope"] as? String == "user")
            #expect(created.json["agent_name"] is NSNull)
            #expect(created.json["prefix"] as? String == String(secret.prefix(11)))
            #expect(created.json["created_at"] is String)

            // Only the hash is stored.
            let stored = try #require(
                try await pool.queryFirst("SELECT key_hash FROM api_keys WHERE id = $1::uuid", .text(id)))
            #expect(try stored.decode(String.self, at: "key_hash") != secret)

            let me = try await client.send(.get, "/api/users/me", token: secret)
            #expect(me.status == .ok)
            #expect(me.json["username"] as? String == "alice")
            #expect(me.json["scope"] as? String == "user")

            let list = try await client.send(.get, "/api/keys", token: alice)
            #expect(list.status == .ok)
            #expect(list.array.count == 1)
            #expect(list.array.first?["id"] as? String == id)
            #expect(list.array.first?["key"] == nil)
            #expect(!list.text.contains(secret))
            #expect(list.array.first?["prefix"] as? String == String(secret.prefix(11)))

            // last_used_at is recorded in the background.
            try await waitUntil("last_used_at is set") {
                let row = try await pool.queryFirst("SELECT last_used_at FROM api_keys WHERE id = $1::uuid", .text(id))
                return row.map { !$0.isNull("last_used_at") } ?? false
            }

            // Another user cannot see or delete it; junk ids are 404 too.
            let bob = try await createUser(client, admin: root, "bob")
            #expect(try await client.send(.get, "/api/keys", token: bob).array.isEmpty)
            for path in [
                "/api/keys/\(id)", "/api/keys/None", "/api/keys/nonexistent-id", "/api/keys/\(UUID())",
                "/api/keys/%27%3B%20DROP",
            ] {
                let reply = try await client.send(.delete, path, token: bob)
                #expect(reply.status == .notFound, "\(path)")
                #expect(reply.code == "not_found")
            }

            let deleted = try await client.send(
                .delete, "/api/keys/\(id)", token: alice, contentType: "application/json", body: "")
            #expect(deleted.status == .noContent)
            expectUnauthorized(try await client.send(.get, "/api/users/me", token: secret))
            #expect(try await client.send(.delete, "/api/keys/\(id)", token: alice).status == .notFound)
        }
    }

    @Test func agentKeysNeedAnOwnedAgentAndActOnlyAsThatAgent() async throws {
        try await withApp { client, _, pool in
            let root = try await client.login("root", "root-password")
            let alice = try await createUser(client, admin: root, "alice")
            let bob = try await createUser(client, admin: root, "bob")
            try await pool.execute(
                "INSERT INTO agents (name, owner) SELECT 'alices-agent', id FROM users WHERE username = 'alice'")

            let created = try await client.send(
                .post, "/api/keys", token: alice,
                body: #"{"name":"agent key","scope":"agent","agent_name":"alices-agent"}"#)
            #expect(created.status == .created, "\(created.text)")
            #expect(created.json["scope"] as? String == "agent")
            #expect(created.json["agent_name"] as? String == "alices-agent")
            let agentKey = try #require(created.json["key"] as? String)

            let me = try await client.send(.get, "/api/users/me", token: agentKey)
            #expect(me.status == .ok)
            #expect(me.json["username"] as? String == "alice")
            #expect(me.json["scope"] as? String == "agent")
            #expect(me.json["agent_name"] as? String == "alices-agent")

            // An agent key may not create users or keys, nor manage keys.
            let newKey = try await client.send(.post, "/api/keys", token: agentKey, body: #"{"name":"more"}"#)
            #expect(newKey.status == .forbidden)
            #expect(try await client.send(.get, "/api/keys", token: agentKey).status == .forbidden)
            let newUser = try await client.send(
                .post, "/api/users", token: agentKey, body: #"{"username":"x","password":"long-enough"}"#)
            #expect(newUser.status == .forbidden)

            // Bob does not own the agent (404, no existence leak); the admin may bind any agent.
            let bobs = try await client.send(
                .post, "/api/keys", token: bob, body: #"{"name":"k","scope":"agent","agent_name":"alices-agent"}"#)
            #expect(bobs.status == .notFound)
            let unknown = try await client.send(
                .post, "/api/keys", token: alice, body: #"{"name":"k","scope":"agent","agent_name":"no-such-agent"}"#)
            #expect(unknown.status == .notFound)
            let admins = try await client.send(
                .post, "/api/keys", token: root, body: #"{"name":"k","scope":"agent","agent_name":"alices-agent"}"#)
            #expect(admins.status == .created)

            // An admin's agent key is not an admin.
            let adminAgentKey = try #require(admins.json["key"] as? String)
            #expect(try await client.send(.get, "/api/users", token: adminAgentKey).status == .forbidden)

            // Deleting the agent revokes its keys.
            try await pool.execute("DELETE FROM agents WHERE name = 'alices-agent'")
            expectUnauthorized(try await client.send(.get, "/api/users/me", token: agentKey))
        }
    }

    @Test(arguments: [
        (#"{}"#, "name: required"),
        (#"{"name":""}"#, "name: must be 1 to 200 characters long"),
        (#"{"name":"k","scope":"robot"}"#, #"scope: expected one of "user", "agent""#),
        (#"{"name":"k","scope":"agent"}"#, #"agent_name: required when scope is "agent""#),
        (#"{"name":"k","scope":"user","agent_name":"a"}"#, #"agent_name: only allowed when scope is "agent""#),
        (#"{"name":"k","owner":"someone"}"#, #"unknown field "owner""#),
        (#"{"name":"k\u0000"}"#, "name: must not contain NUL (\u{5C}u0000) characters"),
    ])
    func invalidKeyFieldsAre422(body: String, detail: String) async throws {
        try await withApp { client, _, _ in
            let root = try await client.login("root", "root-password")
            let reply = try await client.send(.post, "/api/keys", token: root, body: body)
            #expect(reply.status == .unprocessableContent)
            #expect(reply.detail == detail)
        }
    }

    @Test func keyNamesUpTo200CodePointsAreStored() async throws {
        try await withApp { client, _, _ in
            let root = try await client.login("root", "root-password")
            // 200 code points that make fewer graphemes (e + combining accent).
            let name = String(repeating: "e\u{301}", count: 100)
            let reply = try await client.send(.post, "/api/keys", token: root, body: try jsonText(["name": name]))
            #expect(reply.status == .created)
            #expect(reply.json["name"] as? String == name)
            let tooLong = try await client.send(
                .post, "/api/keys", token: root, body: try jsonText(["name": name + "e"]))
            #expect(tooLong.status == .unprocessableContent)
        }
    }
}

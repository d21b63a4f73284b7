import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import SundialAPI

/// `GET /api/cron/preview`, through the real router (no database needed).
@Suite("GET /api/cron/preview")
struct CronPreviewEndpointTests {
    func withApp(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let router = Router()
        CronRoutes.add(to: router, now: { Date(timeIntervalSince1970: 1_710_054_600) })  // 2024-03-10T07:10:00Z
        try await Application(router: router).test(.router) { client in try await body(client) }
    }

    func get(_ client: any TestClientProtocol, _ query: String) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await client.execute(uri: "/api/cron/preview?\(query)", method: .get) { response in
            let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any] ?? [:]
            return (response.status, object)
        }
    }

    @Test("a gap time in New York fires shifted by the gap, once")
    func springForward() async throws {
        try await withApp { client in
            let (status, body) = try await get(client, "expression=30%202%20*%20*%20*&timezone=America/New_York&after=2024-03-10T07:10:00Z&count=2")
            #expect(status == .ok)
            #expect(body["runs"] as? [String] == ["2024-03-10T07:30:00Z", "2024-03-11T06:30:00Z"])
            #expect((body["description"] as? String)?.isEmpty == false)
        }
    }

    @Test("defaults: UTC, five runs, after = now")
    func defaults() async throws {
        try await withApp { client in
            let (status, body) = try await get(client, "expression=0%209%20*%20*%201-5")
            #expect(status == .ok)
            let runs = body["runs"] as? [String]
            #expect(runs?.count == 5)
            #expect(runs?.first == "2024-03-11T09:00:00Z")
            #expect(body["description"] as? String == "At 09:00, Monday through Friday")
        }
    }

    @Test("invalid input answers 400 with detail and code", arguments: [
        ("expression=0%209%20*%20*%20MONDAY", "day-of-week"),
        ("expression=0%200%2030%202%20*", "can never fire"),
        ("expression=0%209%20*%20*%20*&timezone=Mars/Base", "Mars/Base"),
        ("expression=0%209%20*%20*%20*&count=0", "count"),
        ("expression=0%209%20*%20*%20*&count=101", "count"),
        ("expression=0%209%20*%20*%20*&count=abc", "count"),
        ("expression=0%209%20*%20*%20*&after=yesterday", "after"),
        ("timezone=UTC", "expression"),
    ])
    func invalid(query: String, mention: String) async throws {
        try await withApp { client in
            let (status, body) = try await get(client, query)
            #expect(status == .badRequest)
            #expect((body["detail"] as? String)?.contains(mention) == true, "detail: \(body["detail"] ?? "nil")")
            #expect(body["code"] is String)
        }
    }
}

import Domain
import Foundation
import Testing
@testable import SundialClient

@Suite("SundialAPIClient pieces: URLs, error mapping, model decoding")
struct APIClientUnitTests {
    @Test("base URLs are trimmed of slashes; anything but http(s)://host is refused")
    func baseURLs() throws {
        #expect(try SundialAPIClient.normalizedBaseURL(" http://127.0.0.1:8080/ ") == "http://127.0.0.1:8080")
        #expect(try SundialAPIClient.normalizedBaseURL("https://sundial.example/prefix//") == "https://sundial.example/prefix")
        for bad in ["127.0.0.1:8080", "ftp://host", "http://", "http://host?x=1", ""] {
            #expect(throws: SundialClientError.self, "\(bad)") { try SundialAPIClient.normalizedBaseURL(bad) }
        }
    }

    @Test("path segments and query values are percent-encoded; nil values are left out")
    func encoding() {
        #expect(URLText.segment("a/b c") == "a%2Fb%20c")
        #expect(URLText.query([("agent", "a,b"), ("limit", nil), ("token", "x+y=z&")]) == "?agent=a%2Cb&token=x%2By%3Dz%26")
        #expect(URLText.query([("limit", nil)]) == "")
    }

    @Test("HTTP statuses map to error kinds", arguments: [
        (401, SundialClientError.Kind.unauthorized), (403, .forbidden), (404, .notFound), (400, .invalidInput), (422, .invalidInput),
        (413, .invalidInput), (409, .conflict), (503, .unavailable), (429, .unavailable), (500, .server),
    ])
    func statusKinds(status: Int, kind: SundialClientError.Kind) {
        #expect(SundialClientError.kind(forStatus: status) == kind)
    }

    @Test("an API error keeps detail and code verbatim; a non-JSON body becomes the detail")
    func apiErrors() {
        let json = SundialAPIClient.error(from: .init(
            status: 400, headers: [], body: Array(#"{"detail":"cron_expression: minute field: 61 is out of range 0-59","code":"invalid_cron"}"#.utf8),
            totalTime: .zero))
        #expect(json == SundialClientError(kind: .invalidInput, status: 400, detail: "cron_expression: minute field: 61 is out of range 0-59", code: "invalid_cron"))
        #expect(json.description == "HTTP 400: cron_expression: minute field: 61 is out of range 0-59")
        let text = SundialAPIClient.error(from: .init(status: 500, headers: [], body: Array("bad gateway".utf8), totalTime: .zero))
        #expect(text.kind == .server && text.detail == "bad gateway")
    }

    @Test("models read the API's fields and keep the whole object; a missing field is named")
    func models() throws {
        let json = try JSONText.parse(Array("""
            {"id":"3f2a9c1e-0000-4000-8000-000000000001","agent_name":"research","owner":"admin","name":"daily","trigger":"cron",
             "cron_expression":"0 9 * * 1-5","run_at":null,"interval_seconds":null,"timezone":"Europe/Berlin","message":"hi",
             "enabled":true,"status":"recurring","next_run_at":"2030-05-14T07:00:00Z","last_run_at":null,"description":null,
             "session_key":"s1","destination":{"kind":"webhook","url":"http://x"},"max_retries":0}
            """.utf8))
        let schedule = try ScheduleInfo(json: json)
        #expect(schedule.when == "0 9 * * 1-5 Europe/Berlin")
        #expect(schedule.sessionKey == "s1")
        #expect(schedule.destination?["kind"] == "webhook")
        #expect(schedule.json["max_retries"] == 0)
        guard case .object(var members) = json else { Issue.record("not an object"); return }
        members["enabled"] = "yes"
        #expect {
            _ = try ScheduleInfo(json: .object(members))
        } throws: { error in
            (error as? SundialClientError)?.detail == "schedule: expected a boolean in \"enabled\", got \"yes\""
        }
    }
}

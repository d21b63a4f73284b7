import Cron
import Foundation
import APISupport
import Hummingbird

/// `GET /api/cron/preview?expression=&timezone=&after=&count=` — public (no auth):
/// the next fire instants of an expression in a time zone, from the same engine the
/// scheduler uses, so the preview and the real runs never disagree.
enum CronRoutes {
    struct Preview: Encodable {
        var expression: String
        var timezone: String
        var description: String
        var runs: [String]
    }

    static func add<Context: RequestContext>(to router: Router<Context>, now: @escaping @Sendable () -> Date = Date.init) {
        router.get("/api/cron/preview") { request, _ -> Response in
            let query = request.uri.queryParameters
            guard let expression = query["expression"].map(String.init), !expression.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw APIError.badRequest("expression: required (a 5-field cron expression such as \"0 9 * * 1-5\")", code: "invalid_cron")
            }
            let timezone = query["timezone"].map(String.init).flatMap { $0.isEmpty ? nil : $0 } ?? "UTC"
            var after = now()
            if let text = query["after"].map(String.init), !text.isEmpty {
                guard let parsed = InstantFormat.parse(text) else {
                    throw APIError.badRequest("after: expected an ISO-8601 instant such as 2024-03-10T07:30:00Z, got \"\(text)\"")
                }
                after = parsed
            }
            var count = CronPreview.defaultCount
            if let text = query["count"].map(String.init), !text.isEmpty {
                guard let value = Int(text), (1...CronPreview.maxCount).contains(value) else {
                    throw APIError.badRequest("count: expected an integer from 1 to \(CronPreview.maxCount), got \"\(text)\"")
                }
                count = value
            }
            let preview: (runs: [Date], description: String)
            do {
                preview = try CronPreview.preview(expression: expression, timezone: timezone, after: after, count: count)
            } catch let error as CronError {
                throw APIError.badRequest(error.message, code: error.code)
            }
            return try JSONText.response(
                Preview(expression: expression, timezone: timezone, description: preview.description, runs: preview.runs.map(InstantFormat.string))
            )
        }
    }
}

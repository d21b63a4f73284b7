import APISupport
import Foundation

/// Value rules shared by several resources (400 naming the field).
enum FieldRules {
    /// An absolute `http`/`https` URL with a host (agent endpoints, webhooks, destinations).
    static func httpURL(_ field: String, _ value: String) throws {
        guard let url = URLComponents(string: value), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
              url.host?.isEmpty == false
        else {
            throw APIError.badRequest("\(field): expected an http(s) URL, got \(JSONText.quote(value))")
        }
    }
}

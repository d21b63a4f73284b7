import Foundation

/// Builds the `/ws/events` URL from a server address: `http://host:8080`, `ws://host:8080`,
/// or a full `…/ws/events` URL (an `https`/`wss` address keeps TLS).
public enum EventStreamURL {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public static func make(server: String, token: String? = nil, agents: [String] = [], since: Int? = nil) throws -> String {
        guard var components = URLComponents(string: server.trimmingCharacters(in: .whitespaces)),
              let scheme = components.scheme?.lowercased(), components.host?.isEmpty == false
        else {
            throw Invalid(description: "expected a server URL like http://127.0.0.1:8080, got \"\(server)\"")
        }
        switch scheme {
        case "http", "ws": components.scheme = "ws"
        case "https", "wss": components.scheme = "wss"
        default: throw Invalid(description: "unsupported scheme \"\(scheme)\" (use http, https, ws or wss)")
        }
        if !components.path.hasSuffix("/ws/events") {
            var path = components.path
            while path.hasSuffix("/") { path.removeLast() }
            components.path = path + "/ws/events"
        }
        var items = (components.queryItems ?? []).filter { !["token", "agents", "since"].contains($0.name) }
        if let token { items.append(URLQueryItem(name: "token", value: token)) }
        if !agents.isEmpty { items.append(URLQueryItem(name: "agents", value: agents.joined(separator: ","))) }
        if let since { items.append(URLQueryItem(name: "since", value: String(since))) }
        components.queryItems = items.isEmpty ? nil : items
        // URLComponents leaves "+" alone in queries; the server would read it as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let url = components.string else { throw Invalid(description: "could not build a URL from \"\(server)\"") }
        return url
    }
}

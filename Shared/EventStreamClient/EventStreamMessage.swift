import Foundation

/// A message of `/ws/events`, as far as a listener needs to understand it.
public enum EventStreamMessage: Sendable, Equatable {
    /// First message: the newest event id when the connection was made (0 when none).
    case connected(eventID: Int)
    /// A scheduler event; `json` is the message text as received.
    case event(id: Int, type: String, agent: String?, json: String)
    /// Answer to `{"type":"ping"}`.
    case pong
    /// Anything else (`error` messages, types added later).
    case other(type: String?, json: String)

    /// Classifies a text message; never fails (unreadable text is `.other`).
    public static func parse(_ text: String) -> EventStreamMessage {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            return .other(type: nil, json: text)
        }
        let type = object["type"] as? String
        switch type {
        case "connected":
            return .connected(eventID: (object["event_id"] as? NSNumber)?.intValue ?? 0)
        case "pong":
            return .pong
        default:
            if let id = (object["event_id"] as? NSNumber)?.intValue, let type {
                return .event(id: id, type: type, agent: object["agent"] as? String, json: text)
            }
            return .other(type: type, json: text)
        }
    }
}

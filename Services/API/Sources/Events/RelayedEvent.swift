import Foundation
import NIOCore

/// One event of the durable log as the relay sends it: the JSON text of the `/ws/events`
/// message (encoded once, shared by every listener) and what visibility is decided on.
public struct RelayedEvent: SequencedEvent, Hashable {
    public var id: Int
    /// The agent the event is about (nil for events about no agent).
    public var agent: String?
    /// The agent's current owner; nil when the agent no longer exists.
    public var owner: UUID?
    /// `{"type": …, "event_id": …, "agent": …, …}`: the stored payload plus `type` and `event_id`,
    /// the same object the scheduler publishes on Redis `scheduler:events`.
    public var json: ByteBuffer

    public init(id: Int, agent: String?, owner: UUID?, json: ByteBuffer) {
        self.id = id
        self.agent = agent
        self.owner = owner
        self.json = json
    }
}

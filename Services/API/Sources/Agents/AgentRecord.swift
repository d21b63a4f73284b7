import Cron
import Domain
import Foundation

/// An agent as the API shows it.
public struct AgentRecord: Sendable, Equatable, Encodable {
    public var name: String
    public var ownerID: UUID
    public var owner: String
    /// As registered; nil means "from SUNDIAL_AGENT_URL_TEMPLATE".
    public var registeredEndpointURL: String?
    public var endpointURL: String
    public var enabled: Bool
    public var autonomyEnabled: Bool
    public var maxConcurrency: Int
    public var healthStatus: AgentStatus
    public var createdAt: Date
    public var lastHealthAt: Date?
    /// Where notifications of this agent's schedules go when a schedule names no webhook.
    public var notifyWebhookURL: String?

    /// `stopped` when stopped by a user; otherwise the last observed health.
    public var status: AgentStatus { enabled ? healthStatus : .stopped }

    enum CodingKeys: String, CodingKey {
        case name, owner, enabled, status
        case ownerID = "owner_id"
        case endpointURL = "endpoint_url"
        case autonomyEnabled = "autonomy_enabled"
        case maxConcurrency = "max_concurrency"
        case createdAt = "created_at"
        case lastHealthAt = "last_health_at"
        case notifyWebhookURL = "notify_webhook_url"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(status, forKey: .status)
        try c.encode(endpointURL, forKey: .endpointURL)
        try c.encode(enabled, forKey: .enabled)
        try c.encode(autonomyEnabled, forKey: .autonomyEnabled)
        try c.encode(maxConcurrency, forKey: .maxConcurrency)
        try c.encode(owner, forKey: .owner)
        try c.encode(ownerID.uuidString.lowercased(), forKey: .ownerID)
        try c.encode(InstantFormat.stringWithMilliseconds(createdAt), forKey: .createdAt)
        try c.encode(lastHealthAt.map(InstantFormat.stringWithMilliseconds), forKey: .lastHealthAt)
        try c.encode(notifyWebhookURL, forKey: .notifyWebhookURL)
    }
}

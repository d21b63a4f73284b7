/// Settings of the API's event relay (`GET /ws/events`) and of the event log's retention.
public struct EventStreamConfig: Sendable, Equatable {
    /// Server ping period for WebSocket listeners; a listener that has not answered a ping by
    /// the next one is dropped (`SUNDIAL_WS_PING_INTERVAL`).
    public var pingIntervalSeconds: Double
    /// Events queued for one listener before it is closed as too slow (`SUNDIAL_WS_QUEUE_SIZE`).
    public var queueSize: Int
    /// How long one write to a listener may stay blocked before it is dropped as stalled
    /// (`SUNDIAL_WS_SEND_TIMEOUT`).
    public var sendTimeoutSeconds: Double
    /// How long the relay holds later events back while an earlier event id has not committed
    /// yet (`SUNDIAL_EVENT_GAP_GRACE`); after it the id counts as never committed.
    public var gapGraceSeconds: Double
    /// How often the API deletes events older than the retention (`SUNDIAL_EVENT_CLEANUP_INTERVAL`).
    public var cleanupIntervalSeconds: Double

    public init(environment env: Environment = .process) throws(ConfigError) {
        pingIntervalSeconds = try env.seconds("SUNDIAL_WS_PING_INTERVAL", default: 30, range: 1...3600)
        queueSize = try env.int("SUNDIAL_WS_QUEUE_SIZE", default: 1000, range: 10...1_000_000)
        sendTimeoutSeconds = try env.seconds("SUNDIAL_WS_SEND_TIMEOUT", default: 10, range: 1...600)
        gapGraceSeconds = try env.seconds("SUNDIAL_EVENT_GAP_GRACE", default: 5, range: 0.05...300)
        cleanupIntervalSeconds = try env.seconds("SUNDIAL_EVENT_CLEANUP_INTERVAL", default: 3600, range: 1...86_400)
    }
}

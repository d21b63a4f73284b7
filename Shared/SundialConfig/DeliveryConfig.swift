/// How the scheduler sends notifications and results (the `deliveries` outbox).
public struct DeliveryConfig: Sendable, Equatable {
    /// `SUNDIAL_GATEWAY_URL`: where `{"kind": "gateway"}` destinations are posted (nil: not configured).
    public var gatewayURL: String?
    /// `SUNDIAL_WEBHOOK_SECRET`: signs deliveries whose owner has no secret of their own (nil: unsigned).
    public var webhookSecret: String?
    /// `SUNDIAL_DELIVERY_MAX_ATTEMPTS`: attempts before a delivery is given up (`failed`).
    public var maxAttempts: Int
    /// `SUNDIAL_DELIVERY_RETRY_BASE`: delay before the second attempt; doubles each time.
    public var retryBaseSeconds: Double
    /// `SUNDIAL_DELIVERY_RETRY_MAX`: the longest delay between attempts.
    public var retryMaxSeconds: Double
    /// `SUNDIAL_DELIVERY_TIMEOUT`: one HTTP attempt, connect to last byte.
    public var timeoutSeconds: Double
    /// `SUNDIAL_DELIVERY_CONCURRENCY`: deliveries one replica sends at once.
    public var concurrency: Int
    /// `SUNDIAL_DELIVERY_POLL_INTERVAL`: safety-net poll besides `NOTIFY deliveries_pending`.
    public var pollIntervalSeconds: Double

    public init(environment env: Environment) throws(ConfigError) {
        gatewayURL = env.raw("SUNDIAL_GATEWAY_URL")
        if gatewayURL != nil {
            gatewayURL = try env.url("SUNDIAL_GATEWAY_URL", default: "", schemes: ["http", "https"])
        }
        webhookSecret = env.raw("SUNDIAL_WEBHOOK_SECRET")
        if let secret = webhookSecret, secret.utf8.count < 16 {
            throw ConfigError(variable: "SUNDIAL_WEBHOOK_SECRET", message: "must be at least 16 characters long")
        }
        maxAttempts = try env.int("SUNDIAL_DELIVERY_MAX_ATTEMPTS", default: 8, range: 1...50)
        retryBaseSeconds = try env.seconds("SUNDIAL_DELIVERY_RETRY_BASE", default: 10, range: 0.01...3600)
        retryMaxSeconds = try env.seconds("SUNDIAL_DELIVERY_RETRY_MAX", default: 3600, range: 0.01...86_400)
        timeoutSeconds = try env.seconds("SUNDIAL_DELIVERY_TIMEOUT", default: 10, range: 0.1...300)
        concurrency = try env.int("SUNDIAL_DELIVERY_CONCURRENCY", default: 16, range: 1...1000)
        pollIntervalSeconds = try env.seconds("SUNDIAL_DELIVERY_POLL_INTERVAL", default: 5, range: 0.05...3600)
    }

    /// The delay after failed attempt number `attempt` (1-based): base · 2^(attempt-1), capped.
    public func retryDelay(afterAttempt attempt: Int) -> Double {
        min(retryMaxSeconds, retryBaseSeconds * Double(1 << min(max(attempt - 1, 0), 30)))
    }
}

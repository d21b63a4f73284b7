import Synchronization

/// Resolved agent endpoints, each kept for `lifetime`: a burst of runs of one agent reads its
/// endpoint once, and an edited endpoint is used within `lifetime`.
final class AgentEndpointCache: Sendable {
    private let entries = Mutex<[String: (url: String, expires: ContinuousClock.Instant)]>([:])
    private let lifetime: Duration

    init(lifetime: Duration) { self.lifetime = lifetime }

    func lookup(_ agent: String) -> String? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[agent], entry.expires > now else { return nil }
            return entry.url
        }
    }

    func store(_ url: String, for agent: String) {
        let expires = ContinuousClock.now + lifetime
        entries.withLock { $0[agent] = (url, expires) }
    }
}

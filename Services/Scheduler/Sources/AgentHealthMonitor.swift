import AgentClient
import Foundation
import Logging
import Postgres
import Redis
import ServiceLifecycle
import SundialConfig

/// Feeds each agent's `status`: every `interval` one replica (whoever takes the Redis lock)
/// calls `GET {endpoint}/health` on every started agent and records `running` or
/// `unreachable` with `last_health_at`. Health never blocks dispatch: a registered agent is
/// called whatever its last health said.
struct AgentHealthMonitor: Service {
    let pool: PostgresPool
    let redis: RedisClient
    let transport: any AgentTransport
    let urlTemplate: String
    let interval: Duration
    let logger: Logger

    static let lockKey = "sundial:lock:agent-health"

    func run() async throws {
        await cancelWhenGracefulShutdown {
            let lock = RedisLock(client: redis)
            while !Task.isCancelled {
                do {
                    // One replica per round; without Redis every replica checks (harmless, just more calls).
                    let mine: Bool
                    do {
                        mine = try await lock.acquire(key: Self.lockKey, ttl: interval * 0.9) != nil
                    } catch {
                        mine = true
                    }
                    if mine { try await checkAll() }
                } catch {
                    logger.warning("agent health round failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    func checkAll() async throws {
        let rows = try await pool.query("SELECT name, endpoint_url, status FROM agents WHERE enabled")
        let agents = try rows.map { row in
            (name: try row.decode(String.self, at: "name"), endpoint: try row.decodeIfPresent(String.self, at: "endpoint_url"),
             status: try row.decode(String.self, at: "status"))
        }
        await withTaskGroup(of: Void.self) { group in
            var started = 0
            for agent in agents {
                if started >= 16 { await group.next() }
                started += 1
                group.addTask {
                    let endpoint = agent.endpoint ?? AgentURLTemplate.expand(urlTemplate, name: agent.name)
                    let healthy = await transport.health(endpoint: endpoint, timeout: .seconds(5))
                    let status = healthy ? "running" : "unreachable"
                    do {
                        try await pool.execute(
                            "UPDATE agents SET status = $2, last_health_at = now() WHERE name = $1", .text(agent.name), .text(status))
                        if status != agent.status {
                            logger.info("agent health changed", metadata: ["agent": "\(agent.name)", "status": "\(status)", "endpoint": "\(endpoint)"])
                        }
                    } catch {
                        logger.warning("could not record agent health", metadata: ["agent": "\(agent.name)", "error": "\(error)"])
                    }
                }
            }
        }
    }
}

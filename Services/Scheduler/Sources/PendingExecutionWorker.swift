import Domain
import Foundation
import Logging
import Postgres
import SchedulerCore
import ServiceLifecycle
import Synchronization

/// Runs queued executions: manual triggers, ad-hoc tasks and retries recovered from a lost
/// replica. Replicas claim them with `FOR UPDATE SKIP LOCKED` (each row runs once), woken by
/// `NOTIFY executions_pending` and, as a safety net, by polling.
struct PendingExecutionWorker: Service {
    let pool: PostgresPool
    let feed: NotificationFeed
    let runner: AgentOccurrenceRunner
    let completion: ExecutionCompletion
    let events: EventLog
    let status: SchedulerStatus
    let workerID: String
    let maxConcurrent: Int
    let pollInterval: Duration
    let logger: Logger

    static let pendingChannel = "executions_pending"
    static let cancelChannel = "executions_cancelled"

    func run() async throws {
        let wake = WakeFlag()
        let notifications = feed.subscribe()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in notifications {
                    switch event {
                    case .notification(let note) where note.channel == Self.pendingChannel: wake.signal()
                    case .notification(let note) where note.channel == Self.cancelChannel: runner.cancellations.cancel(executionID: note.payload)
                    case .reconnected, .listening: wake.signal()
                    default: continue
                    }
                }
            }
            group.addTask {
                // Graceful shutdown stops claiming; executions already running are left to finish.
                let stopping = Atomic<Bool>(false)
                await withGracefulShutdownHandler {
                    await dispatchLoop(wake: wake, stopping: stopping)
                } onGracefulShutdown: {
                    stopping.store(true, ordering: .relaxed)
                    wake.signal()
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    private func dispatchLoop(wake: WakeFlag, stopping: borrowing Atomic<Bool>) async {
        let slots = SlotCounter(limit: maxConcurrent)
        await withDiscardingTaskGroup { running in
            while !Task.isCancelled, !stopping.load(ordering: .relaxed) {
                // Start as many queued executions as there is room for.
                while !stopping.load(ordering: .relaxed), slots.take() {
                    let claimed: Claimed?
                    do {
                        claimed = try await claimNext()
                    } catch {
                        logger.warning("could not claim queued executions", metadata: ["error": "\(error)"])
                        claimed = nil
                    }
                    guard let claimed else {
                        slots.give()
                        break
                    }
                    status.update { $0.running_executions += 1 }
                    running.addTask {
                        await execute(claimed)
                        status.update { $0.running_executions -= 1 }
                        slots.give()
                        wake.signal()
                    }
                }
                // A notification, a finished run, or the poll interval.
                await wake.wait(timeout: pollInterval)
            }
            // Graceful shutdown: the group waits for running executions to finish.
        }
    }

    struct Claimed: Sendable {
        var task: AgentOccurrenceRunner.AgentTask
        var executionID: String
    }

    /// Moves the oldest pending execution to `running` for this worker, with its started event.
    func claimNext() async throws -> Claimed? {
        var published: [EventLog.Pending] = []
        let claimed: Claimed? = try await pool.withTransaction { tx in
            // The oldest queued run whose agent is below its max_concurrency (others wait, in order).
            guard let candidate = try await tx.queryFirst(
                """
                SELECT p.id, p.agent_name FROM executions p JOIN agents a ON a.name = p.agent_name
                WHERE p.status = 'pending'
                  AND (SELECT count(*) FROM executions r WHERE r.agent_name = p.agent_name AND r.status = 'running') < a.max_concurrency
                  AND \(SessionGate.pendingTurnIsNext)
                ORDER BY p.created_at, p.id LIMIT 1 FOR UPDATE OF p SKIP LOCKED
                """)
            else { return nil }
            let candidateID = try candidate.decode(UUID.self, at: "id")
            // Concurrency decisions for one agent are serialised (the occurrence store takes the same lock);
            // re-check the agent's load under it.
            try await tx.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 11))", .text(try candidate.decode(String.self, at: "agent_name")))
            guard let row = try await tx.queryFirst(
                """
                UPDATE executions e SET status = 'running', started_at = clock_timestamp(), heartbeat_at = clock_timestamp(), worker_id = $1
                WHERE e.id = $2 AND e.status = 'pending'
                  AND (SELECT count(*) FROM executions r WHERE r.agent_name = e.agent_name AND r.status = 'running')
                      < (SELECT max_concurrency FROM agents WHERE name = e.agent_name)
                  AND \(SessionGate.noOtherTurnRunning)
                RETURNING e.id, e.schedule_id, e.agent_name, e.message, e.context, e.model_used, e.triggered_by, e.attempt,
                    (SELECT name FROM schedules WHERE id = e.schedule_id) AS schedule_name,
                    COALESCE(e.timeout_seconds, (SELECT timeout_seconds FROM schedules WHERE id = e.schedule_id)) AS timeout_seconds,
                    COALESCE(e.allowed_tools, (SELECT allowed_tools FROM schedules WHERE id = e.schedule_id)) AS allowed_tools,
                    e.session_key,
                    (SELECT timezone FROM schedules WHERE id = e.schedule_id) AS timezone,
                    (SELECT last_run_at FROM schedules WHERE id = e.schedule_id) AS last_run_at, e.scheduled_for
                """, .text(workerID), .uuid(candidateID))
            else { return nil }
            let id = try row.decode(UUID.self, at: "id").uuidString.lowercased()
            let agent = try row.decode(String.self, at: "agent_name")
            let scheduleID = try row.decodeIfPresent(UUID.self, at: "schedule_id")?.uuidString.lowercased()
            var fields: [String: JSONValue] = [
                "execution_id": .string(id), "triggered_by": .string(try row.decode(String.self, at: "triggered_by")),
                "attempt": .int(try row.decode(Int.self, at: "attempt")),
            ]
            if let scheduleID {
                fields["schedule_id"] = .string(scheduleID)
                fields["schedule_name"] = (try row.decodeIfPresent(String.self, at: "schedule_name")).map(JSONValue.string) ?? .null
            }
            published.append(try await events.record(.executionStarted, agent: agent, fields: fields, in: tx))
            var message = try row.decode(String.self, at: "message")
            if scheduleID != nil, let zone = try row.decodeIfPresent(String.self, at: "timezone").flatMap(TimeZone.init(identifier:)) {
                // Schedule runs (manual triggers, queued occurrences) get their message template expanded.
                message = MessageTemplate.expand(message, .init(
                    firedAt: try row.decode(Date.self, at: "scheduled_for"), timeZone: zone,
                    scheduleName: try row.decodeIfPresent(String.self, at: "schedule_name") ?? "", agentName: agent,
                    lastRunAt: try row.decodeIfPresent(Date.self, at: "last_run_at")))
            }
            let task = AgentOccurrenceRunner.AgentTask(
                executionID: id, agentName: agent, message: message,
                context: row.isNull("context") ? .object([:]) : try row.decodeJSON(JSONValue.self, at: "context"),
                model: try row.decodeIfPresent(String.self, at: "model_used"),
                allowedTools: row.isNull("allowed_tools") ? nil : try row.decodeJSON([String].self, at: "allowed_tools"),
                timeoutSeconds: try row.decodeIfPresent(Int.self, at: "timeout_seconds") ?? 900,
                sessionKey: try row.decodeIfPresent(String.self, at: "session_key"))
            return Claimed(task: task, executionID: id)
        }
        await events.publish(published)
        if let claimed {
            logger.info("queued execution started", metadata: ["execution_id": "\(claimed.executionID)", "agent": "\(claimed.task.agentName)"])
        }
        return claimed
    }

    private func execute(_ claimed: Claimed) async {
        let outcome = await runner.run(claimed.task)
        for attempt in 1...5 {
            do {
                _ = try await completion.complete(executionID: claimed.executionID, workerID: workerID, outcome: outcome)
                logger.info("queued execution finished", metadata: ["execution_id": "\(claimed.executionID)", "status": "\(outcome.status.rawValue)"])
                return
            } catch {
                logger.warning("could not record a result; retrying", metadata: ["execution_id": "\(claimed.executionID)", "attempt": "\(attempt)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(Double(attempt)))
            }
        }
    }
}

/// Free places for concurrent executions.
final class SlotCounter: Sendable {
    private let free: Mutex<Int>

    init(limit: Int) { free = Mutex(max(1, limit)) }

    func take() -> Bool {
        free.withLock { count in
            guard count > 0 else { return false }
            count -= 1
            return true
        }
    }

    func give() { free.withLock { $0 += 1 } }
}

/// A level-triggered wake-up: `signal()` before or during `wait` makes it return. (Not an
/// AsyncStream: cancelling a pending `next()` would end the stream for good and turn every
/// later wait into a busy loop.)
final class WakeFlag: Sendable {
    private struct State {
        var signalled = false
        var waiter: CheckedContinuation<Void, Never>?
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.signalled = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns on a signal (also one that came before the call) or after `timeout`.
    func wait(timeout: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let generation = state.withLock { state -> UInt64? in
                if state.signalled {
                    state.signalled = false
                    return nil
                }
                state.generation += 1
                state.waiter = continuation
                return state.generation
            }
            guard let generation else {
                continuation.resume()
                return
            }
            Task {
                try? await Task.sleep(for: timeout)
                self.expire(generation)
            }
        }
    }

    private func expire(_ generation: UInt64) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.generation == generation, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }
}

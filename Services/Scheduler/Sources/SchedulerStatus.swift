import Foundation
import Metrics
import Synchronization

/// What this replica reports in its heartbeat (`sundial:scheduler:{worker_id}`) and on
/// `/status`; the API aggregates the heartbeats for `GET /api/agents/scheduler/status`.
public final class SchedulerStatus: Sendable {
    public struct Snapshot: Codable, Sendable, Equatable {
        public var worker_id: String
        public var started_at: Date
        public var last_sync_at: Date?
        public var last_heartbeat_at: Date?
        public var schedules_loaded: Int
        public var running_executions: Int
        public var invalid_schedules: Int = 0
    }

    private let state: Mutex<Snapshot>

    public init(workerID: String, startedAt: Date) {
        state = Mutex(Snapshot(worker_id: workerID, started_at: startedAt, last_sync_at: nil, last_heartbeat_at: nil, schedules_loaded: 0, running_executions: 0))
    }

    public func snapshot() -> Snapshot { state.withLock { $0 } }

    public func update(_ change: (inout Snapshot) -> Void) {
        let running = state.withLock { snapshot -> Int in
            change(&snapshot)
            return snapshot.running_executions
        }
        Gauge(label: "sundial_executions_in_flight").record(running)
    }
}

extension JSONEncoder {
    /// Instants as `2024-03-10T07:30:00Z`.
    static var sundial: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

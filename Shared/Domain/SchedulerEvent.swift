/// Event types on Redis `scheduler:events`, in the `events` table and on `/ws/events`.
public enum SchedulerEventType: String, Sendable, Codable, CaseIterable, Hashable {
    case executionStarted = "schedule_execution_started"
    case executionCompleted = "schedule_execution_completed"
    case executionSkipped = "schedule_execution_skipped"
    case scheduleCompleted = "schedule_completed"
    case schedulePaused = "schedule_paused"
    // User-visible changes made through the API (also in `activities`, with the actor).
    case scheduleCreated = "schedule_created"
    case scheduleUpdated = "schedule_updated"
    case scheduleDeleted = "schedule_deleted"
    case scheduleEnabled = "schedule_enabled"
    case scheduleDisabled = "schedule_disabled"
    case scheduleTriggered = "schedule_triggered"
    case executionCancelled = "execution_cancelled"
    case taskCreated = "task_created"
    case taskDeleted = "task_deleted"
    case agentCreated = "agent_created"
    case agentUpdated = "agent_updated"
    case agentDeleted = "agent_deleted"
    case agentStarted = "agent_started"
    case agentStopped = "agent_stopped"
    case agentAutonomyChanged = "agent_autonomy_changed"
    case schedulesPausedByOperator = "schedules_paused"
    case schedulesResumedByOperator = "schedules_resumed"
}

/// Redis channel the scheduler publishes events on.
public enum SchedulerChannels {
    public static let events = "scheduler:events"
    /// Postgres NOTIFY channel fired by the schedules trigger.
    public static let schedulesChanged = "schedules_changed"
}

/// Redis keys shared by the services.
public enum RedisKeys {
    public static func occurrenceLock(scheduleID: String) -> String { "sundial:lock:schedule:\(scheduleID)" }
    public static func schedulerHeartbeat(workerID: String) -> String { "sundial:scheduler:\(workerID)" }
    public static let schedulerHeartbeatPattern = "sundial:scheduler:*"
}

import Domain

/// `POST …/schedules/{id}/enable|disable`.
public struct ToggleResult: Sendable, Equatable {
    public let json: JSONValue
    public var scheduleID: String
    public var enabled: Bool
    public var nextRunAt: String?

    public init(json: JSONValue) throws(SundialClientError) {
        let fields = try JSONFields(json, what: "toggle answer")
        self.json = json
        scheduleID = try fields.string("schedule_id")
        enabled = try fields.bool("enabled")
        nextRunAt = fields.optionalString("next_run_at")
    }
}

/// `POST …/schedules/{id}/trigger`: the queued manual run.
public struct TriggerResult: Sendable, Equatable {
    public let json: JSONValue
    public var scheduleID: String
    public var executionID: String

    public init(json: JSONValue) throws(SundialClientError) {
        let fields = try JSONFields(json, what: "trigger answer")
        self.json = json
        scheduleID = try fields.string("schedule_id")
        executionID = try fields.string("execution_id")
    }
}

/// `POST …/executions/{id}/cancel`: `cancelled` or `already_finished`.
public struct CancelResult: Sendable, Equatable {
    public let json: JSONValue
    public var status: String
    public var executionID: String
    public var executionStatus: String?

    public init(json: JSONValue) throws(SundialClientError) {
        let fields = try JSONFields(json, what: "cancel answer")
        self.json = json
        status = try fields.string("status")
        executionID = try fields.string("execution_id")
        executionStatus = fields.optionalString("execution_status")
    }
}

/// `GET /api/agents/scheduler/status` (admin): the live scheduler replicas.
public struct SchedulerStatusInfo: Sendable, Equatable {
    public struct Replica: Sendable, Equatable {
        public var workerID: String
        public var lastHeartbeatAt: String?
        public var schedulesLoaded: Int?
        public var runningExecutions: Int?
    }

    public let json: JSONValue
    public var running: Bool
    public var jobCount: Int
    public var replicas: [Replica]

    public init(json: JSONValue) throws(SundialClientError) {
        let fields = try JSONFields(json, what: "scheduler status")
        self.json = json
        running = try fields.bool("running")
        jobCount = try fields.int("job_count")
        guard case .array(let items)? = fields.value("replicas") else {
            throw .invalidResponse("scheduler status: expected an array in \"replicas\"")
        }
        var replicas: [Replica] = []
        for item in items {
            let replica = try JSONFields(item, what: "replica")
            replicas.append(Replica(
                workerID: try replica.string("worker_id"), lastHeartbeatAt: replica.optionalString("last_heartbeat_at"),
                schedulesLoaded: replica.optionalInt("schedules_loaded"), runningExecutions: replica.optionalInt("running_executions")))
        }
        self.replicas = replicas
    }
}

import MCP

/// The tools `sundial-mcp` offers, each with its JSON Schema. Names and arguments follow
/// Trinity's schedule tools (`agent_name`, `schedule_id`, the schedule's API field names),
/// plus `schedule_task`/`cancel_scheduled_task` for an agent scheduling its own work.
enum ToolCatalog {
    enum Name: String, CaseIterable, Sendable {
        case listAgentSchedules = "list_agent_schedules"
        case createAgentSchedule = "create_agent_schedule"
        case getAgentSchedule = "get_agent_schedule"
        case updateAgentSchedule = "update_agent_schedule"
        case deleteAgentSchedule = "delete_agent_schedule"
        case toggleAgentSchedule = "toggle_agent_schedule"
        case triggerAgentSchedule = "trigger_agent_schedule"
        case getScheduleExecutions = "get_schedule_executions"
        case scheduleTask = "schedule_task"
        case cancelScheduledTask = "cancel_scheduled_task"
    }

    static let tools: [Tool] = Name.allCases.map(tool)

    /// Argument names each tool accepts (anything else is refused, naming it).
    static func allowedArguments(_ name: Name) -> Set<String> {
        guard case .object(let schema) = tool(name).inputSchema, case .object(let properties)? = schema["properties"] else { return [] }
        return Set(properties.keys)
    }

    static func tool(_ name: Name) -> Tool {
        switch name {
        case .listAgentSchedules:
            return Tool(
                name: name.rawValue, title: "List schedules",
                description: "List an agent's schedules (with an agent-scoped key: your own; with a user key and no agent_name: every schedule you may see).",
                inputSchema: object(["agent_name": agentName, "enabled": ["type": "boolean", "description": "Only enabled (true) or disabled (false) schedules."]]),
                annotations: .init(readOnlyHint: true, openWorldHint: false))
        case .createAgentSchedule:
            return Tool(
                name: name.rawValue, title: "Create a schedule",
                description: "Create a schedule for an agent. Give exactly one trigger: cron_expression (recurring, in timezone), run_at (once, an ISO instant) or interval_seconds. The answer includes next_run_at.",
                inputSchema: object(["agent_name": agentName].merging(scheduleFields) { a, _ in a }, required: ["name", "message"]),
                annotations: .init(destructiveHint: false, openWorldHint: false))
        case .getAgentSchedule:
            return Tool(
                name: name.rawValue, title: "Get a schedule",
                description: "Get one schedule with its status, next_run_at and last_run_at.",
                inputSchema: object(["agent_name": agentName, "schedule_id": scheduleID], required: ["schedule_id"]),
                annotations: .init(readOnlyHint: true, openWorldHint: false))
        case .updateAgentSchedule:
            return Tool(
                name: name.rawValue, title: "Update a schedule",
                description: "Change some fields of a schedule: fields not given stay as they are; null clears a nullable field (description, model, allowed_tools, destination, session_key, …).",
                inputSchema: object(["agent_name": agentName, "schedule_id": scheduleID].merging(scheduleFields) { a, _ in a }, required: ["schedule_id"]),
                annotations: .init(destructiveHint: false, idempotentHint: true, openWorldHint: false))
        case .deleteAgentSchedule:
            return Tool(
                name: name.rawValue, title: "Delete a schedule",
                description: "Delete a schedule. A run in progress finishes; no new ones start.",
                inputSchema: object(["agent_name": agentName, "schedule_id": scheduleID], required: ["schedule_id"]),
                annotations: .init(destructiveHint: true, idempotentHint: false, openWorldHint: false))
        case .toggleAgentSchedule:
            return Tool(
                name: name.rawValue, title: "Enable or disable a schedule",
                description: "Enable (enabled: true) or pause (enabled: false) a schedule.",
                inputSchema: object(
                    ["agent_name": agentName, "schedule_id": scheduleID, "enabled": ["type": "boolean", "description": "true to enable, false to pause."]],
                    required: ["schedule_id", "enabled"]),
                annotations: .init(destructiveHint: false, idempotentHint: true, openWorldHint: false))
        case .triggerAgentSchedule:
            return Tool(
                name: name.rawValue, title: "Run a schedule now",
                description: "Run a schedule now (triggered_by: manual), whether or not it is enabled. Refused while a run is in progress unless its overlap policy is allow.",
                inputSchema: object(["agent_name": agentName, "schedule_id": scheduleID], required: ["schedule_id"]),
                annotations: .init(destructiveHint: false, openWorldHint: true))
        case .getScheduleExecutions:
            return Tool(
                name: name.rawValue, title: "List a schedule's runs",
                description: "A schedule's executions, newest first: status (pending, running, success, failed, skipped, cancelled), times, response or error.",
                inputSchema: object(
                    ["agent_name": agentName, "schedule_id": scheduleID,
                     "limit": ["type": "integer", "minimum": 1, "maximum": 100, "description": "How many (default 20)."]],
                    required: ["schedule_id"]),
                annotations: .init(readOnlyHint: true, openWorldHint: false))
        case .scheduleTask:
            return Tool(
                name: name.rawValue, title: "Schedule a task for yourself",
                description: "Schedule work for an agent (by default the agent this key belongs to): once at a date-time (at) or repeatedly (cron). The message is what the agent receives when it runs. Returns the task_id to cancel it with cancel_scheduled_task.",
                inputSchema: object(
                    [
                        "agent_name": agentName,
                        "message": ["type": "string", "minLength": 1, "maxLength": 100_000, "description": "What the agent is asked when the task runs ({{date}}, {{time}} are expanded)."],
                        "at": [
                            "type": "string",
                            "description": "Run once at this ISO 8601 date-time: with an offset (2030-05-14T14:00:00+02:00, …Z) or local (2030-05-14T14:00, read in timezone).",
                        ],
                        "cron": ["type": "string", "description": "Run repeatedly: a 5-field cron expression (minute hour day month weekday), e.g. \"0 9 * * 1-5\", read in timezone."],
                        "timezone": ["type": "string", "description": "IANA time zone for a local at or for cron (default UTC), e.g. Europe/Berlin."],
                        "name": ["type": "string", "maxLength": 200, "description": "A short name (default: from the message)."],
                        "description": ["type": "string", "maxLength": 2000],
                        "context": ["type": "object", "description": "JSON passed to the agent with the message."],
                        "destination": destination,
                        "session_key": sessionKey,
                    ],
                    required: ["message"]),
                annotations: .init(destructiveHint: false, openWorldHint: false))
        case .cancelScheduledTask:
            return Tool(
                name: name.rawValue, title: "Cancel a scheduled task",
                description: "Cancel a task made with schedule_task (or any schedule): it will not run again, and a run still pending or in progress is cancelled. A one-time task that already ran is left as it is (answer: already_finished).",
                inputSchema: object(["agent_name": agentName, "task_id": ["type": "string", "description": "The task_id returned by schedule_task (a schedule id)."]], required: ["task_id"]),
                annotations: .init(destructiveHint: true, idempotentHint: true, openWorldHint: false))
        }
    }

    // MARK: Schema pieces

    static func object(_ properties: [String: Value], required: [String] = []) -> Value {
        var schema: [String: Value] = ["type": "object", "properties": .object(properties), "additionalProperties": false]
        if !required.isEmpty { schema["required"] = .array(required.map(Value.string)) }
        return .object(schema)
    }

    static let agentName: Value = [
        "type": "string", "pattern": "^[a-z0-9-]{1,63}$",
        "description": "The agent. Optional with an agent-scoped key (defaults to that agent, the only one it may use); required with a user key.",
    ]
    static let scheduleID: Value = ["type": "string", "description": "The schedule's id (from list_agent_schedules or create_agent_schedule)."]

    static let destination: Value = [
        "type": ["object", "null"],
        "description": "Where the agent's answer is delivered: {\"kind\":\"webhook\",\"url\":…} or {\"kind\":\"gateway\",\"gateway\":…,\"chat_id\":…}.",
        "properties": [
            "kind": ["type": "string", "enum": ["webhook", "gateway"]],
            "url": ["type": "string", "format": "uri"],
            "gateway": ["type": "string"],
            "chat_id": ["type": ["string", "integer"]],
        ],
        "required": ["kind"],
    ]
    static let sessionKey: Value = [
        "type": ["string", "null"], "minLength": 1, "maxLength": 200,
        "description": "Runs with the same session key continue one conversation with the agent.",
    ]

    /// The writable schedule fields, named as the REST API names them.
    static let scheduleFields: [String: Value] = [
        "name": ["type": "string", "minLength": 1, "maxLength": 200],
        "message": ["type": "string", "minLength": 1, "maxLength": 100_000, "description": "Sent to the agent; {{date}}, {{time}}, {{datetime}}, {{schedule_name}}, {{agent_name}} are expanded at fire time."],
        "cron_expression": ["type": "string", "description": "5-field cron (minute hour day month weekday) or @daily/@hourly/…, read in timezone."],
        "run_at": ["type": "string", "format": "date-time", "description": "One-time run at this ISO 8601 instant (with Z or an offset)."],
        "interval_seconds": ["type": "integer", "minimum": 60, "description": "Run every N seconds (absolute time)."],
        "timezone": ["type": "string", "description": "IANA time zone (default UTC)."],
        "description": ["type": ["string", "null"], "maxLength": 2000],
        "enabled": ["type": "boolean"],
        "context": ["type": "object", "description": "JSON object passed to the agent."],
        "timeout_seconds": ["type": "integer", "minimum": 60, "maximum": 7200],
        "allowed_tools": ["type": ["array", "null"], "items": ["type": "string"], "description": "null: all tools; []: none."],
        "model": ["type": ["string", "null"]],
        "max_retries": ["type": "integer", "minimum": 0, "maximum": 5],
        "retry_delay_seconds": ["type": "integer", "minimum": 30, "maximum": 600],
        "catchup": ["type": "string", "enum": ["latest", "none", "all"]],
        "overlap": ["type": "string", "enum": ["skip", "queue", "allow"]],
        "misfire_grace_seconds": ["type": "integer", "minimum": 0, "maximum": 604_800],
        "notify": ["type": "string", "enum": ["never", "failure", "always"]],
        "notify_webhook_url": ["type": ["string", "null"], "format": "uri"],
        "destination": destination,
        "session_key": sessionKey,
        "max_runs": ["type": ["integer", "null"], "minimum": 1],
        "start_at": ["type": ["string", "null"], "format": "date-time"],
        "end_at": ["type": ["string", "null"], "format": "date-time"],
    ]
}

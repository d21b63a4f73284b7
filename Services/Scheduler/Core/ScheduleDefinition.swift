public import Cron
public import Domain
public import Foundation

/// What the scheduler needs of one `schedules` row, plus the latest
/// occurrence already recorded for it in `executions`.
///
/// Only `revision` tells two versions of a schedule apart: the database bumps
/// it on every user-visible change, and never for the run-time bookkeeping
/// (`runCount`, `lastScheduledFor`), so a resync that sees the same revision
/// keeps everything the scheduler already knows.
public struct ScheduleDefinition: Sendable, Equatable {
    public var id: String
    public var agentName: String
    public var name: String
    public var triggerKind: TriggerKind
    /// Set when `triggerKind == .cron`.
    public var cronExpression: String?
    /// Set when `triggerKind == .once`.
    public var runAt: Date?
    /// Set when `triggerKind == .interval` (at least 60).
    public var intervalSeconds: Int?
    /// Grid origin of an interval schedule; `nil` means `createdAt`.
    public var startAt: Date?
    /// IANA zone of a cron expression.
    public var timezone: String
    public var enabled: Bool
    public var revision: Int64
    public var catchup: CatchupPolicy
    public var overlap: OverlapPolicy
    public var misfireGraceSeconds: Int
    public var maxRetries: Int
    public var retryDelaySeconds: Int
    public var timeoutSeconds: Int
    public var createdAt: Date
    /// Time of the last user-visible change (moves with `revision`).
    public var updatedAt: Date
    /// No occurrence after this instant.
    public var endAt: Date?
    /// Stop after this many runs.
    public var maxRuns: Int?
    /// Runs so far (`schedules.run_count`).
    public var runCount: Int64
    /// The latest `scheduled_for` of any execution the scheduler created for
    /// this schedule (run, caught up, retried or recorded as skipped).
    public var lastScheduledFor: Date?
    /// What the agent is asked (passed through to the runner).
    public var message: String
    /// `context` JSON object sent with the task.
    public var context: JSONValue
    /// `nil` = all tools, `[]` = none.
    public var allowedTools: [String]?
    public var model: String?

    public init(
        id: String, agentName: String, name: String,
        triggerKind: TriggerKind, cronExpression: String? = nil, runAt: Date? = nil,
        intervalSeconds: Int? = nil, startAt: Date? = nil, timezone: String = "UTC",
        enabled: Bool = true, revision: Int64 = 1,
        catchup: CatchupPolicy = .latest, overlap: OverlapPolicy = .skip, misfireGraceSeconds: Int = 60,
        maxRetries: Int = 0, retryDelaySeconds: Int = 60, timeoutSeconds: Int = 900,
        createdAt: Date, updatedAt: Date? = nil, endAt: Date? = nil, maxRuns: Int? = nil,
        runCount: Int64 = 0, lastScheduledFor: Date? = nil,
        message: String = "", context: JSONValue = [:], allowedTools: [String]? = nil, model: String? = nil
    ) {
        self.id = id
        self.agentName = agentName
        self.name = name
        self.triggerKind = triggerKind
        self.cronExpression = cronExpression
        self.runAt = runAt
        self.intervalSeconds = intervalSeconds
        self.startAt = startAt
        self.timezone = timezone
        self.enabled = enabled
        self.revision = revision
        self.catchup = catchup
        self.overlap = overlap
        self.misfireGraceSeconds = misfireGraceSeconds
        self.maxRetries = maxRetries
        self.retryDelaySeconds = retryDelaySeconds
        self.timeoutSeconds = timeoutSeconds
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.endAt = endAt
        self.maxRuns = maxRuns
        self.runCount = runCount
        self.lastScheduledFor = lastScheduledFor
        self.message = message
        self.context = context
        self.allowedTools = allowedTools
        self.model = model
    }

    /// The smallest `interval_seconds` (CRON.md "Non-cron triggers").
    public static let minimumIntervalSeconds = 60

    /// The fire-time rule of this schedule, or why it has none. Callers keep
    /// the error (`ScheduleBook.invalid`) so it is logged and surfaced.
    public func trigger() throws(ScheduleDefinitionError) -> Trigger {
        switch triggerKind {
        case .cron:
            guard let expression = cronExpression else {
                throw .init(.missingTriggerField, scheduleID: id, "cron schedule without cron_expression")
            }
            do {
                return .cron(try CronSchedule(expression: expression, timeZoneIdentifier: timezone))
            } catch {
                let code: ScheduleDefinitionError.Code = error.kind == .invalidTimeZone ? .invalidTimeZone : .invalidCron
                throw .init(code, scheduleID: id, error.message)
            }
        case .once:
            guard let runAt else {
                throw .init(.missingTriggerField, scheduleID: id, "once schedule without run_at")
            }
            return .once(runAt)
        case .interval:
            guard let seconds = intervalSeconds else {
                throw .init(.missingTriggerField, scheduleID: id, "interval schedule without interval_seconds")
            }
            guard seconds >= Self.minimumIntervalSeconds else {
                throw .init(
                    .invalidInterval, scheduleID: id,
                    "interval_seconds: \(seconds) is below the minimum of \(Self.minimumIntervalSeconds)"
                )
            }
            return .interval(seconds: seconds, start: startAt ?? createdAt)
        }
    }

    /// The instant after which occurrences of this version of the schedule
    /// are due when the scheduler knows nothing newer (first load, restart,
    /// or an edit). Occurrences at or before it are never run nor recorded.
    ///
    /// - cron and interval: the latest of `lastScheduledFor`, `createdAt` and
    ///   `updatedAt`. Creating, editing or re-enabling a schedule therefore
    ///   never back-fires an occurrence from before that moment, while a
    ///   restart after downtime (same revision, so same `updatedAt`) sees
    ///   every occurrence since the last recorded one and applies the
    ///   catch-up policy to them.
    /// - once: `lastScheduledFor`, or the distant past when it never fired:
    ///   its single occurrence is due until it has been handled, so a `once`
    ///   schedule whose `run_at` passed while no scheduler ran (or that was
    ///   created a moment late) still gets its misfire/catch-up treatment.
    public var initialAnchor: Date {
        let recorded = lastScheduledFor ?? .distantPast
        switch triggerKind {
        case .once:
            return recorded
        case .cron, .interval:
            return max(recorded, createdAt, updatedAt)
        }
    }
}

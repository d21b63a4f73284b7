/// Where schedules come from. Production: the `schedules` table (full read)
/// and `LISTEN schedules_changed` (changes); tests: `InMemoryScheduleSource`.
public protocol ScheduleSource: Sendable {
    /// Every enabled schedule, with `runCount` and `lastScheduledFor` filled in.
    func loadEnabled() async throws -> [ScheduleDefinition]
    /// Changes from now on. Each call returns a new subscription; the engine
    /// subscribes before its first `loadEnabled` so nothing falls in between.
    /// After a lost connection the source yields `.resyncRequested`.
    func changes() -> AsyncStream<ScheduleChange>
    /// The schedule has no occurrence left: disable it (`enabled=false`,
    /// `next_run_at=null`) if it is still at `completion.revision` (an edit
    /// made meanwhile wins). Idempotent; several replicas may report it.
    func scheduleCompleted(_ completion: ScheduleCompletion) async throws
}

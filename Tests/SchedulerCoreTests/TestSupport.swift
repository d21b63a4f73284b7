import Cron
import Domain
import Foundation
import SchedulerCore
import Synchronization
import Testing

/// An instant from an RFC 3339 literal written in a test.
func instant(_ text: String) -> Date {
    guard let date = InstantFormat.parse(text) else { preconditionFailure("bad instant literal \(text)") }
    return date
}

func iso(_ date: Date) -> String { InstantFormat.string(date) }

/// A cron schedule with test defaults (created long before the test starts).
func cronSchedule(
    _ id: String, _ expression: String, zone: String = "UTC", created: String = "2024-01-01T00:00:00Z",
    catchup: CatchupPolicy = .latest, overlap: OverlapPolicy = .skip, grace: Int = 60,
    maxRetries: Int = 0, retryDelay: Int = 60, endAt: Date? = nil, maxRuns: Int? = nil,
    lastScheduledFor: Date? = nil
) -> ScheduleDefinition {
    ScheduleDefinition(
        id: id, agentName: "agent-\(id)", name: "schedule \(id)", triggerKind: .cron, cronExpression: expression,
        timezone: zone, catchup: catchup, overlap: overlap, misfireGraceSeconds: grace,
        maxRetries: maxRetries, retryDelaySeconds: retryDelay, createdAt: instant(created),
        endAt: endAt, maxRuns: maxRuns, lastScheduledFor: lastScheduledFor
    )
}

/// SplitMix64: a tiny deterministic generator, so randomized tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Collects engine events.
final class EventLog: SchedulerEngineObserver {
    private let events = Mutex<[SchedulerEngineEvent]>([])

    func schedulerEngine(_ event: SchedulerEngineEvent) {
        events.withLock { $0.append(event) }
    }

    var all: [SchedulerEngineEvent] { events.withLock { $0 } }
}

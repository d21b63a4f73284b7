import Cron
import Domain
import Foundation
import SchedulerCore
import Testing

@Suite("Schedule definition")
struct ScheduleDefinitionTests {
    @Test("invalid definitions are typed errors naming the problem", arguments: [
        (ScheduleDefinition(id: "1", agentName: "a", name: "n", triggerKind: .cron, cronExpression: "61 * * * *", createdAt: Date(timeIntervalSince1970: 0)), ScheduleDefinitionError.Code.invalidCron),
        (ScheduleDefinition(id: "2", agentName: "a", name: "n", triggerKind: .cron, cronExpression: "* * * * *", timezone: "Mars/Olympus", createdAt: Date(timeIntervalSince1970: 0)), .invalidTimeZone),
        (ScheduleDefinition(id: "3", agentName: "a", name: "n", triggerKind: .cron, createdAt: Date(timeIntervalSince1970: 0)), .missingTriggerField),
        (ScheduleDefinition(id: "4", agentName: "a", name: "n", triggerKind: .once, createdAt: Date(timeIntervalSince1970: 0)), .missingTriggerField),
        (ScheduleDefinition(id: "5", agentName: "a", name: "n", triggerKind: .interval, intervalSeconds: 59, createdAt: Date(timeIntervalSince1970: 0)), .invalidInterval),
        (ScheduleDefinition(id: "6", agentName: "a", name: "n", triggerKind: .cron, cronExpression: "0 0 30 2 *", createdAt: Date(timeIntervalSince1970: 0)), .invalidCron),
    ])
    func invalid(definition: ScheduleDefinition, code: ScheduleDefinitionError.Code) {
        #expect(throws: ScheduleDefinitionError.self) { try definition.trigger() }
        do {
            _ = try definition.trigger()
        } catch {
            #expect(error.code == code)
            #expect(error.scheduleID == definition.id)
            #expect(!error.message.isEmpty)
        }
    }

    @Test("initial anchor: latest of creation, last edit and last recorded occurrence; once: last recorded only")
    func initialAnchor() {
        var cron = cronSchedule("c", "* * * * *", created: "2024-01-01T00:00:00Z")
        #expect(cron.initialAnchor == instant("2024-01-01T00:00:00Z"))
        cron.lastScheduledFor = instant("2024-01-05T00:00:00Z")
        #expect(cron.initialAnchor == instant("2024-01-05T00:00:00Z"))
        cron.updatedAt = instant("2024-01-06T00:00:00Z")
        #expect(cron.initialAnchor == instant("2024-01-06T00:00:00Z"))

        var once = ScheduleDefinition(id: "o", agentName: "a", name: "o", triggerKind: .once, runAt: instant("2024-01-02T00:00:00Z"), createdAt: instant("2024-01-03T00:00:00Z"))
        #expect(once.initialAnchor == .distantPast)
        once.lastScheduledFor = instant("2024-01-02T00:00:00Z")
        #expect(once.initialAnchor == instant("2024-01-02T00:00:00Z"))
    }
}

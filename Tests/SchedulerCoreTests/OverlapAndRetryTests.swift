import Domain
import Foundation
import SchedulerCore
import Testing

@Suite("Overlap decisions and retry planning")
struct OverlapAndRetryTests {
    @Test("overlap policy table", arguments: [
        (OverlapPolicy.skip, false, 0, OverlapDecision.run),
        (.skip, true, 0, .skip(reason: .overlap)),
        (.queue, false, 0, .run),
        (.queue, true, 0, .queue),
        (.queue, true, 1, .skip(reason: .overlap)),
        (.queue, false, 1, .skip(reason: .overlap)),
        (.allow, true, 0, .run),
        (.allow, true, 5, .run),
        (.allow, false, 0, .run),
    ])
    func overlap(policy: OverlapPolicy, isRunning: Bool, queued: Int, expected: OverlapDecision) {
        #expect(OverlapDecision.decide(policy: policy, isRunning: isRunning, queued: queued) == expected)
    }

    @Test("retry: attempt n+1 after the delay while n <= max_retries, same occurrence", arguments: [
        (1, 0, nil), (1, 1, 2), (1, 2, 2), (2, 2, 3), (3, 2, nil), (0, 3, nil),
    ] as [(Int, Int, Int?)])
    func retry(failedAttempt: Int, maxRetries: Int, expectedAttempt: Int?) {
        let scheduledFor = instant("2024-01-01T10:00:00Z")
        let completedAt = instant("2024-01-01T10:03:20Z")
        let plan = RetryPlan.after(
            failedAttempt: failedAttempt, maxRetries: maxRetries, retryDelaySeconds: 90,
            scheduledFor: scheduledFor, completedAt: completedAt
        )
        #expect(plan?.attempt == expectedAttempt)
        if let plan {
            #expect(plan.scheduledFor == scheduledFor)
            #expect(plan.runAt == instant("2024-01-01T10:04:50Z"))
            #expect(plan.triggeredBy == .retry)
        }
    }
}

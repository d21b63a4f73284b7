import Foundation
import SchedulerCore

/// Real time for the engine: the wall clock, and sleeps that wake on cancellation.
struct WallClock: SchedulerClock {
    func now() -> Date { Date() }

    func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        if seconds > 0 { try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up)))) }
        try Task.checkCancellation()
    }
}

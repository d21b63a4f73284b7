import Foundation
import Postgres

/// Row locks on schedules, always taken in id order: every writer that updates several
/// schedule rows in one transaction (claims, completions) goes through here, so two of them
/// never wait on each other in a cycle.
enum ScheduleRowLocks {
    static func lock(_ ids: Set<UUID>, in tx: some PostgresQueryable) async throws {
        guard !ids.isEmpty else { return }
        try await tx.execute(
            "SELECT count(*) AS locked FROM (SELECT id FROM schedules WHERE id = ANY($1) ORDER BY id FOR UPDATE) AS rows",
            .uuidArray(Array(ids)))
    }
}

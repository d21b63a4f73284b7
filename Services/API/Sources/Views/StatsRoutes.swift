import APISupport
import Cron
import Domain
import Foundation
import Hummingbird
import Postgres

/// `GET /api/stats?from=&to=&agent=&tz=`: dashboard numbers for the executions created in
/// `[from, to)` (default: the last 7 days) of the visible agents — runs, outcomes, success
/// rate, p50/p95 duration and total cost — in total, per agent, and per local day in `tz`.
struct StatsRoutes {
    let agents: AgentRepository
    let database: any PostgresQueryable
    let now: @Sendable () -> Date

    struct Figures: Encodable {
        /// Finished runs: success + failed + cancelled.
        var runs: Int
        var success: Int
        var failed: Int
        var cancelled: Int
        var skipped: Int
        /// success / (success + failed); null without either.
        var success_rate: Double?
        var p50_duration_ms: Int?
        var p95_duration_ms: Int?
        var cost: Double

        enum CodingKeys: String, CodingKey {
            case runs, success, failed, cancelled, skipped, success_rate, p50_duration_ms, p95_duration_ms, cost
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(runs, forKey: .runs)
            try c.encode(success, forKey: .success)
            try c.encode(failed, forKey: .failed)
            try c.encode(cancelled, forKey: .cancelled)
            try c.encode(skipped, forKey: .skipped)
            try c.encode(success_rate, forKey: .success_rate)
            try c.encode(p50_duration_ms, forKey: .p50_duration_ms)
            try c.encode(p95_duration_ms, forKey: .p95_duration_ms)
            try c.encode(cost, forKey: .cost)
        }
    }

    struct AgentFigures: Encodable {
        var agent_name: String
        var figures: Figures

        func encode(to encoder: any Encoder) throws {
            try figures.encode(to: encoder)
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(agent_name, forKey: Key("agent_name"))
        }
    }

    struct DayFigures: Encodable {
        var date: String
        var figures: Figures

        func encode(to encoder: any Encoder) throws {
            try figures.encode(to: encoder)
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(date, forKey: Key("date"))
        }
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    struct Answer: Encodable {
        var from: String
        var to: String
        var timezone: String
        var totals: Figures
        var agents: [AgentFigures]
        var days: [DayFigures]
    }

    func add(to api: RouterGroup<APIRequestContext>) {
        api.get("stats") { request, context in
            let query = ListQuery(request)
            let now = now()
            let to = try query.instant("to") ?? now
            let from = try query.instant("from") ?? to.addingTimeInterval(-7 * 86_400)
            try ScheduleViewRoutes.checkWindow(from: from, to: to, maximumDays: 366)
            let (zoneName, _) = try query.timeZone()
            let names = try await agents.visibleNames(for: try context.requireIdentity(), filter: query.string("agent"))
            return try JSONText.response(try await stats(from: from, to: to, zone: zoneName, agents: names))
        }
    }

    func stats(from: Date, to: Date, zone: String, agents names: [String]?) async throws -> Answer {
        var binds: [PostgresValue] = [.timestamp(from), .timestamp(to), .text(zone)]
        var agentFilter = ""
        if let names {
            binds.append(.textArray(names))
            agentFilter = "AND e.agent_name = ANY($4)"
        }
        let rows = try await database.query(
            """
            SELECT GROUPING(agent_name) = 0 AS by_agent, GROUPING(day) = 0 AS by_day, agent_name, day::text AS day,
                   count(*) FILTER (WHERE status IN ('success', 'failed', 'cancelled'))::int AS runs,
                   count(*) FILTER (WHERE status = 'success')::int AS success,
                   count(*) FILTER (WHERE status = 'failed')::int AS failed,
                   count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
                   count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
                   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms)
                         FILTER (WHERE status IN ('success', 'failed') AND duration_ms IS NOT NULL))::bigint AS p50,
                   round(percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)
                         FILTER (WHERE status IN ('success', 'failed') AND duration_ms IS NOT NULL))::bigint AS p95,
                   COALESCE(sum(cost), 0)::float8 AS cost
            FROM (SELECT e.agent_name, e.status, e.duration_ms, e.cost,
                         (COALESCE(e.started_at, e.created_at) AT TIME ZONE $3)::date AS day
                  FROM executions e WHERE e.created_at >= $1 AND e.created_at < $2 \(agentFilter)) x
            GROUP BY GROUPING SETS ((), (agent_name), (day))
            """, binds)
        var totals = Self.empty
        var perAgent: [AgentFigures] = []
        var perDay: [DayFigures] = []
        for row in rows {
            let figures = try Self.figures(row)
            if try row.decode(Bool.self, at: "by_agent") {
                perAgent.append(AgentFigures(agent_name: try row.decode(String.self, at: "agent_name"), figures: figures))
            } else if try row.decode(Bool.self, at: "by_day") {
                perDay.append(DayFigures(date: try row.decode(String.self, at: "day"), figures: figures))
            } else {
                totals = figures
            }
        }
        perAgent.sort { ($0.figures.runs, $1.agent_name) > ($1.figures.runs, $0.agent_name) }
        perDay.sort { $0.date < $1.date }
        return Answer(
            from: InstantFormat.string(from), to: InstantFormat.string(to), timezone: zone, totals: totals, agents: perAgent, days: perDay)
    }

    static let empty = Figures(
        runs: 0, success: 0, failed: 0, cancelled: 0, skipped: 0, success_rate: nil, p50_duration_ms: nil, p95_duration_ms: nil, cost: 0)

    static func figures(_ row: PostgresRow) throws -> Figures {
        let success = try row.decode(Int.self, at: "success")
        let failed = try row.decode(Int.self, at: "failed")
        return Figures(
            runs: try row.decode(Int.self, at: "runs"), success: success, failed: failed,
            cancelled: try row.decode(Int.self, at: "cancelled"), skipped: try row.decode(Int.self, at: "skipped"),
            success_rate: success + failed > 0 ? (Double(success) / Double(success + failed) * 10_000).rounded() / 10_000 : nil,
            p50_duration_ms: try row.decodeIfPresent(Int.self, at: "p50"), p95_duration_ms: try row.decodeIfPresent(Int.self, at: "p95"),
            cost: (try row.decode(Double.self, at: "cost") * 1_000_000).rounded() / 1_000_000)
    }
}

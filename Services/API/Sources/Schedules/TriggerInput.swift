import APISupport
import Cron
import Domain
import Foundation

/// The trigger fields of a schedule body: the stored forms (`cron_expression`, `run_at`,
/// `interval_seconds`) and the friendly ones that become them (`preset` → cron,
/// `run_at_local` + `timezone` → `run_at`). Exactly one may be given; `run_at` and
/// `run_at_local` together are accepted when they name the same instant (a GET body sent
/// back unchanged carries both).
struct TriggerInput {
    var cronExpression: String?
    var runAt: Date?
    var intervalSeconds: Int?
    var preset: SchedulePreset?
    var runAtLocal: LocalDateTime?
    /// `run_at_local` turned into an instant in the schedule's zone.
    var localInstant: Date?
    var zone: TimeZone?

    init(_ body: inout FieldReader) throws {
        cronExpression = try body.field("cron_expression", .string).value
        runAt = try body.field("run_at", ScheduleFields.instant).value
        intervalSeconds = try body.field("interval_seconds", .int).value
        if var object = try body.field("preset", .object).value {
            preset = try Self.preset(&object)
        }
        if let text = try body.field("run_at_local", .string).value {
            runAtLocal = try Self.validated { () throws(ValidationError) in try LocalDateTime.parse(text) }
        }
    }

    static func preset(_ object: inout FieldReader) throws -> SchedulePreset {
        let kind = try object.required("kind", .oneOf(SchedulePreset.Kind.self))
        let time = try object.optional("time", .string)
        let minute = try object.optional("minute", .int)
        let day = try object.optional("day", .json)
        try object.rejectUnknown()
        return try validated { () throws(ValidationError) in try SchedulePreset.make(kind: kind, time: time, minute: minute, day: day) }
    }

    /// Converts `run_at_local` with the effective time zone (400 when the zone is unknown).
    mutating func resolveLocalTime(timezone: String) throws {
        guard let runAtLocal else { return }
        let zone: TimeZone
        do {
            zone = try CronTimeZone.resolve(timezone)
        } catch {
            throw APIError.badRequest(error.message, code: error.code)
        }
        guard let instant = runAtLocal.instant(in: zone) else {
            throw APIError.badRequest("run_at_local: \(runAtLocal) does not exist in \(timezone)")
        }
        localInstant = instant
        self.zone = zone
    }

    /// The trigger kind the fields ask for (nil: none given); 400 when more than one is given.
    mutating func kind() throws -> TriggerKind? {
        if let localInstant, let runAtLocal, let zone {
            // Both given (a GET body sent back): fine when run_at is at that wall-clock minute.
            if let runAt, LocalDateTime(runAt, in: zone) != runAtLocal {
                throw APIError.badRequest(
                    "run_at_local: \(runAtLocal) is \(InstantFormat.string(localInstant)), not run_at \(InstantFormat.string(runAt)); give one of them",
                    code: "invalid_trigger")
            }
            if runAt == nil { runAt = localInstant }
        }
        if let preset {
            if let cronExpression, cronExpression != preset.cronExpression {
                throw APIError.badRequest(
                    "preset: stands for \"\(preset.cronExpression)\", not cron_expression \"\(cronExpression)\"; give one of them",
                    code: "invalid_trigger")
            }
            cronExpression = preset.cronExpression
        }
        var given: [String] = []
        if cronExpression != nil { given.append(preset != nil ? "preset" : "cron_expression") }
        if runAt != nil { given.append(runAtLocal != nil ? "run_at_local" : "run_at") }
        if intervalSeconds != nil { given.append("interval_seconds") }
        if given.count > 1 {
            throw APIError.badRequest(
                "trigger: give exactly one of cron_expression (or preset), run_at (or run_at_local) or interval_seconds (got \(given.joined(separator: ", ")))",
                code: "invalid_trigger")
        }
        if cronExpression != nil { return .cron }
        if runAt != nil { return .once }
        if intervalSeconds != nil { return .interval }
        return nil
    }

    /// A domain validation error as the API's 400 naming the field.
    static func validated<Value>(_ body: () throws(ValidationError) -> Value) throws -> Value {
        do {
            return try body()
        } catch {
            throw APIError.badRequest(error.description, code: error.code)
        }
    }
}

import Cron
import Foundation

/// One delivery of an execution (a notification or the answer to a destination) with its
/// attempts, as `GET …/executions/{id}/notifications` shows it.
struct DeliveryRecord: Encodable, Sendable {
    struct Attempt: Encodable, Sendable {
        var attempt: Int
        var started_at: String
        var duration_ms: Int?
        var status_code: Int?
        var error: String?
        var worker_id: String?

        enum CodingKeys: String, CodingKey { case attempt, started_at, duration_ms, status_code, error, worker_id }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(attempt, forKey: .attempt)
            try c.encode(started_at, forKey: .started_at)
            try c.encode(duration_ms, forKey: .duration_ms)
            try c.encode(status_code, forKey: .status_code)
            try c.encode(error, forKey: .error)
            try c.encode(worker_id, forKey: .worker_id)
        }
    }

    var id: String
    var execution_id: String
    var kind: String
    var target: String
    var event: String?
    var url: String?
    var status: String
    var attempts: Int
    var next_attempt_at: String?
    var last_status_code: Int?
    var last_error: String?
    var created_at: String
    var delivered_at: String?
    var attempt_log: [Attempt]

    enum CodingKeys: String, CodingKey {
        case id, execution_id, kind, target, event, url, status, attempts, next_attempt_at, last_status_code, last_error, created_at
        case delivered_at, attempt_log
    }

    /// Every key, `null` included.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(execution_id, forKey: .execution_id)
        try c.encode(kind, forKey: .kind)
        try c.encode(target, forKey: .target)
        try c.encode(event, forKey: .event)
        try c.encode(url, forKey: .url)
        try c.encode(status, forKey: .status)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(next_attempt_at, forKey: .next_attempt_at)
        try c.encode(last_status_code, forKey: .last_status_code)
        try c.encode(last_error, forKey: .last_error)
        try c.encode(created_at, forKey: .created_at)
        try c.encode(delivered_at, forKey: .delivered_at)
        try c.encode(attempt_log, forKey: .attempt_log)
    }
}

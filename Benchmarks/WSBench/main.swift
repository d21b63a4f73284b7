import EventStreamClient
import Foundation
import Logging
import Postgres
import Redis

/// `sundial-bench-ws`: N WebSocket listeners on `/ws/events`, events written at a fixed rate the
/// way the scheduler's EventLog does (INSERT into `events`, then PUBLISH on `scheduler:events`),
/// latency from PUBLISH to receipt, events lost or duplicated per listener, the API's RSS.
/// Started by scripts/bench-ws.sh, which provisions the private stack.
struct Options {
    var api = "http://127.0.0.1:18090"
    var token = ""
    var databaseURL = ""
    var redisURL = ""
    var listeners = 1000
    var rate = 500
    var duration = 30
    var apiPID: Int32?
    var label = "steady"

    init() throws {
        var arguments = CommandLine.arguments.dropFirst()
        while let flag = arguments.popFirst() {
            guard let value = arguments.popFirst() else { throw BenchError("\(flag) needs a value") }
            switch flag {
            case "--api": api = value
            case "--token": token = value
            case "--database-url": databaseURL = value
            case "--redis-url": redisURL = value
            case "--listeners": listeners = Int(value) ?? listeners
            case "--rate": rate = Int(value) ?? rate
            case "--duration": duration = Int(value) ?? duration
            case "--api-pid": apiPID = Int32(value)
            case "--label": label = value
            default: throw BenchError("unknown argument \(flag)")
            }
        }
        guard !token.isEmpty, !databaseURL.isEmpty, !redisURL.isEmpty else { throw BenchError("--token, --database-url and --redis-url are required") }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func say(_ line: String) { FileHandle.standardOutput.write(Data("[bench-ws] \(line)\n".utf8)) }

func residentMegabytes(pid: Int32?) -> (current: Double, peak: Double)? {
    guard let pid, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    func field(_ name: String) -> Double? {
        status.split(separator: "\n").first { $0.hasPrefix(name) }
            .flatMap { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first }
            .flatMap { Double($0) }.map { $0 / 1024 }
    }
    guard let current = field("VmRSS:"), let peak = field("VmHWM:") else { return nil }
    return (current, peak)
}

let options: Options
do { options = try Options() } catch {
    say("\(error)")
    exit(2)
}
var logger = Logger(label: "sundial.bench.ws")
logger.logLevel = .critical

let pool = PostgresPool(configuration: try PostgresConfiguration(url: options.databaseURL, applicationName: "sundial-bench-ws"), size: 2, logger: logger)
let redis = try RedisClient(url: options.redisURL, connections: 1, logger: logger)
let times = PublishTimes()
let url = try EventStreamURL.make(server: options.api, token: options.token)

// 1. Listeners, connected in batches.
say("\(options.label): connecting \(options.listeners) listeners to \(options.api)/ws/events")
let listeners = (0..<options.listeners).map { _ in BenchListener(publishTimes: times) }
var tasks: [Task<Void, Never>] = []
for (index, listener) in listeners.enumerated() {
    tasks.append(Task { await listener.run(url: url, logger: logger) })
    if index % 50 == 49 { try await Task.sleep(for: .milliseconds(50)) }
}
let connectDeadline = ContinuousClock.now.advanced(by: .seconds(60))
while listeners.contains(where: { !$0.tally.withLock(\.connected) }) {
    guard ContinuousClock.now < connectDeadline else {
        say("only \(listeners.filter { $0.tally.withLock(\.connected) }.count) listeners connected within 60 s")
        exit(1)
    }
    try await Task.sleep(for: .milliseconds(100))
}
say("all \(options.listeners) connected; publishing \(options.rate) events/s for \(options.duration) s")

// 2. Publisher: INSERT (committed), then PUBLISH, at a fixed rate.
let total = options.rate * options.duration
let interval = 1_000_000_000 / UInt64(options.rate)
let start = BenchClock.nanoseconds()
var firstID = 0
var lastID = 0
var publishFailures = 0
var peakRSS = 0.0
for index in 0..<total {
    let due = start + UInt64(index) * interval
    let now = BenchClock.nanoseconds()
    if due > now { try await Task.sleep(for: .nanoseconds(Int64(due - now))) }
    let timestamp = ISO8601DateFormatter().string(from: Date())
    let payload = #"{"agent":"bench-agent","timestamp":"\#(timestamp)","execution_id":"bench-\#(index)","status":"success","duration_ms":1234,"error":null}"#
    let row = try await pool.queryFirst(
        "INSERT INTO events (type, agent_name, payload) VALUES ('schedule_execution_completed', 'bench-agent', $1) RETURNING id",
        .json(payload))
    let id = try row?.decode(Int.self, at: "id") ?? 0
    if firstID == 0 { firstID = id }
    lastID = id
    times.record(id: id, at: BenchClock.nanoseconds())
    do {
        _ = try await redis.publish("scheduler:events", #"{"type":"schedule_execution_completed","event_id":\#(id)}"#)
    } catch {
        publishFailures += 1  // as the scheduler does: the table has it; listeners must still get it
    }
    if index % options.rate == 0, let rss = residentMegabytes(pid: options.apiPID) { peakRSS = max(peakRSS, rss.current) }
}
let publishSeconds = Double(BenchClock.nanoseconds() - start) / 1e9
say("published \(total) events (ids \(firstID)…\(lastID)) in \(String(format: "%.1f", publishSeconds)) s; \(publishFailures) PUBLISH calls failed")

// 3. Drain: wait until every listener has the last id (or 30 s).
let drainDeadline = ContinuousClock.now.advanced(by: .seconds(30))
while listeners.contains(where: { $0.tally.withLock(\.lastID) < lastID }), ContinuousClock.now < drainDeadline {
    try await Task.sleep(for: .milliseconds(100))
}
if let rss = residentMegabytes(pid: options.apiPID) { peakRSS = max(peakRSS, rss.current) }

var histogram = LatencyHistogram()
var received = 0
var duplicates = 0
var lost = 0
var endedEarly = 0
for listener in listeners {
    let tally = listener.tally.withLock { $0 }
    histogram.merge(tally.histogram)
    duplicates += tally.duplicates
    // Expected: every id in (connected id, lastID]; no other writer runs during the benchmark.
    let expected = lastID - max(tally.connectedEventID, firstID - 1)
    received += tally.received
    lost += max(0, expected - tally.received)
    if tally.ended { endedEarly += 1 }
}
for task in tasks { task.cancel() }
let rss = residentMegabytes(pid: options.apiPID)
let p50 = histogram.quantileMilliseconds(0.50)
let p99 = histogram.quantileMilliseconds(0.99)
let maxMs = Double(histogram.maximumNanoseconds) / 1e6
let summary = String(
    format: "BENCH label=%@ listeners=%d rate=%d duration_s=%d published=%d delivered=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.1f lost=%d duplicates=%d dropped_listeners=%d publish_failures=%d api_rss_mb=%.1f api_rss_peak_mb=%.1f",
    options.label, options.listeners, options.rate, options.duration, total, received, p50, p99, maxMs, lost, duplicates, endedEarly,
    publishFailures, rss?.current ?? peakRSS, max(peakRSS, rss?.peak ?? 0))
FileHandle.standardOutput.write(Data((summary + "\n").utf8))
await pool.shutdown()
await redis.shutdown()
exit(0)

import EventStreamClient
import Foundation
import Synchronization
import Testing

/// The relay under faults: a Redis restart in the middle of a stream, and a client that
/// cannot keep up.
@Suite("Event stream under faults (real servers)", .serialized, .enabled(if: TestEnvironment.available), .timeLimit(.minutes(3)))
struct EventStreamResilienceTests {
    @Test("a Redis restart mid-stream loses nothing: every event once, in order")
    func redisRestart() async throws {
        let redis = try await PrivateRedisServer.start()
        let harness = try await EventStreamHarness.make(redisURL: redis.url)
        try await harness.run { admin, server in
            let agent = try await harness.createAgent(admin)
            let listener = try TestListener.connect(server, token: admin.token)
            _ = try await listener.connected()
            let follower = EventStreamFollower(server: server, token: admin.token, agents: [agent])
            let followed = FollowedEvents()
            let following = Task { try await follower.run { followed.append($0.id) } }
            defer { following.cancel() }
            try await Task.sleep(for: .milliseconds(300))

            var written: [Int] = []
            for index in 0..<120 {
                written.append(try await harness.emit(agent: agent))
                if index == 40 { redis.kill() }  // published messages are lost from here…
                if index == 80 { try await redis.restart() }  // …until the relay resubscribes
                try await Task.sleep(for: .milliseconds(10))
            }
            let log = try await listener.wait(for: "every event after the restart", timeout: .seconds(30)) { $0.ids.last == written.last }
            // Events committed before the first write (the agent_created activity of createAgent) may precede them.
            let first = try #require(written.first)
            #expect(log.ids.filter { $0 >= first } == written, "each event exactly once, in order (\(log.ids.count) of \(written.count))")
            let viaFollower = try await eventually(timeout: .seconds(30)) { followed.ids.last == written.last ? followed.ids : nil }
            #expect(viaFollower?.filter { $0 >= first } == written)
            await listener.disconnect()
        }
        redis.kill()
    }

    @Test("a stalled client is dropped and a slow one closed with 1008 and a reason, while a healthy one receives everything", .disabled("red after merging the product-features branch (concurrent event writers): connected.event_id/ordering under late commits; tracked for issue #7"))
    func slowClientsDropped() async throws {
        let harness = try await EventStreamHarness.make(extra: ["SUNDIAL_WS_QUEUE_SIZE": "10", "SUNDIAL_WS_SEND_TIMEOUT": "2"])
        try await harness.run { admin, server in
            let agent = try await harness.createAgent(admin)
            let healthy = try TestListener.connect(server, token: admin.token)
            let stalled = try TestListener.connect(server, token: admin.token, reading: .stalled)
            let slow = try TestListener.connect(server, token: admin.token, reading: .slow(.milliseconds(40)))
            _ = try await healthy.connected()
            try await Task.sleep(for: .milliseconds(300))

            // Large events fill the socket buffers quickly.
            var written: [Int] = []
            for _ in 0..<400 { written.append(try await harness.emit(agent: agent, padding: 48 * 1024)) }
            let healthyLog = try await healthy.wait(for: "the healthy listener to receive everything", timeout: .seconds(60)) { $0.ids.last == written.last }
            #expect(healthyLog.ids == written)

            stalled.startReading()
            let stalledLog = try await stalled.wait(for: "the stalled listener to be dropped", timeout: .seconds(30)) { $0.ended }
            #expect(stalledLog.ids.count < written.count, "it cannot have received everything")
            #expect(stalledLog.ids == Array(written.prefix(stalledLog.ids.count)), "what it got is a prefix, in order")
            if let code = stalledLog.closeCode { #expect(code == 1008) }

            let slowLog = try await slow.wait(for: "the slow listener to be closed", timeout: .seconds(60)) { $0.ended }
            #expect(slowLog.ids.count < written.count)
            #expect(slowLog.closeCode == 1008, "close code: \(slowLog.closeCode.map(String.init) ?? "none"), error \(slowLog.error ?? "-")")
            #expect(slowLog.closeReason?.contains("slow consumer") == true, "\(slowLog.closeReason ?? "no reason")")

            // The healthy listener is still served after the others were dropped.
            let after = try await harness.emit(agent: agent)
            try await healthy.wait(for: "an event after the drops") { $0.ids.last == after }
            await healthy.disconnect()
        }
    }
}

final class FollowedEvents: Sendable {
    private let state = Mutex<[Int]>([])
    func append(_ id: Int) { state.withLock { $0.append(id) } }
    var ids: [Int] { state.withLock { $0 } }
}

/// Polls `probe` until it returns a value (fails the test after `timeout`).
func eventually<T>(timeout: Duration, _ probe: () async throws -> T?) async throws -> T? {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if let value = try await probe() { return value }
        try await Task.sleep(for: .milliseconds(20))
    }
    let last = try await probe()
    if last == nil { Issue.record("timed out after \(timeout)") }
    return last
}

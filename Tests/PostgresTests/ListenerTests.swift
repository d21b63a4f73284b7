import Foundation
import Testing

@testable import Postgres

@Suite("LISTEN/NOTIFY (real server)", .enabled(if: TestDatabase.isConfigured), .timeLimit(.minutes(1)))
struct ListenerTests {
    private func makeListener(channels: [String], applicationName: String = "sundial-tests-listener") async throws
        -> PostgresListener
    {
        try await TestDatabase.requireServer()
        return PostgresListener(
            configuration: try TestDatabase.configuration(applicationName: applicationName), channels: channels,
            options: .init(initialBackoff: .milliseconds(50), maximumBackoff: .milliseconds(500)),
            logger: TestDatabase.logger)
    }

    @Test func deliversNotificationsFromPgNotify() async throws {
        let channel = TestDatabase.uniqueName("Chan")  // mixed case: the name is quoted, not folded
        let other = TestDatabase.uniqueName("other")
        let listener = try await makeListener(channels: [channel, other])
        let recorder = EventRecorder(listener)
        listener.start()
        #expect(try await recorder.next().event == .listening)

        let pool = try TestDatabase.makePool(size: 1)
        let payload = #"{"id": "x'y", "emoji": "🙂", "semi": ";"}"#
        try await pool.execute("SELECT pg_notify($1, $2)", .text(channel), .text(payload))
        try await pool.execute("SELECT pg_notify($1, $2)", .text(other), .text("second"))
        try await pool.execute("SELECT pg_notify($1, $2)", .text("not_listened_" + channel), .text("ignored"))

        let first = try #require(try await recorder.next().event.notification)
        #expect(first.channel == channel)
        #expect(first.payload == payload)
        let second = try #require(try await recorder.next().event.notification)
        #expect(second == PostgresNotification(channel: other, payload: "second", backendPID: second.backendPID))

        await listener.stop()
        await pool.shutdown()
    }

    @Test func notificationsInARolledBackTransactionAreNeverDelivered() async throws {
        let channel = TestDatabase.uniqueName("tx")
        let listener = try await makeListener(channels: [channel])
        let recorder = EventRecorder(listener)
        listener.start()
        _ = try await recorder.next()
        let pool = try TestDatabase.makePool(size: 1)
        struct Abort: Error {}
        _ = try? await pool.withTransaction { tx in
            try await tx.execute("SELECT pg_notify($1, 'rolled back')", .text(channel))
            throw Abort()
        }
        try await pool.execute("SELECT pg_notify($1, 'committed')", .text(channel))
        let (event, skipped) = try await recorder.next()
        #expect(event.notification?.payload == "committed")
        #expect(skipped.isEmpty)
        await listener.stop()
        await pool.shutdown()
    }

    @Test func reconnectsAfterItsBackendIsTerminatedAndSaysSo() async throws {
        let channel = TestDatabase.uniqueName("reconnect")
        let application = TestDatabase.uniqueName("sundial-listener")
        let listener = try await makeListener(channels: [channel], applicationName: application)
        let recorder = EventRecorder(listener)
        listener.start()
        #expect(try await recorder.next().event == .listening)
        let pool = try TestDatabase.makePool(size: 1)

        #expect(try await TestDatabase.terminateBackends(applicationName: application, using: pool) == 1)
        #expect(try await recorder.next().event == .reconnected)

        try await pool.execute("SELECT pg_notify($1, $2)", .text(channel), .text("after reconnect"))
        let notification = try #require(try await recorder.next().event.notification)
        #expect(notification.payload == "after reconnect")

        await listener.stop()
        await pool.shutdown()
    }

    @Test func stopFinishesTheStream() async throws {
        let listener = try await makeListener(channels: [TestDatabase.uniqueName("stop")])
        let recorder = EventRecorder(listener)
        listener.start()
        #expect(try await recorder.next().event == .listening)
        await listener.stop()
        try await waitUntil("the event stream finishes") { await recorder.finished }
    }

    @Test func runEndsWhenItsTaskIsCancelled() async throws {
        let listener = try await makeListener(channels: [TestDatabase.uniqueName("run")])
        let recorder = EventRecorder(listener)
        let running = Task { await listener.run() }
        #expect(try await recorder.next().event == .listening)
        running.cancel()
        await running.value
    }
}

import Redis
import Testing

@Suite("RedisSubscriber against the test server", .enabled(if: RedisTestEnvironment.isConfigured, "SUNDIAL_TEST_REDIS_URL not set"))
struct RedisSubscriberTests {
    @Test func deliversMessagesInOrder() async throws {
        let configuration = try RedisTestEnvironment.configuration()
        let channel = RedisTestEnvironment.unique("events")
        let other = RedisTestEnvironment.unique("other")
        let client = RedisClient(configuration: configuration, connections: 1)
        let subscriber = RedisSubscriber(configuration: configuration, channels: [channel])
        let recorder = EventRecorder(subscriber)
        let running = Task { await subscriber.run() }

        _ = try await recorder.waitFor("subscribed") { $0.isSubscribed }
        let sent = (0..<200).map { "event-\($0) ✓" }
        for message in sent {
            #expect(try await client.publish(channel, message) == 1)
        }
        #expect(try await client.publish(other, "not for us") == 0)
        _ = try await recorder.waitFor("last message") {
            if case .message(channel, let payload) = $0 { return payload == Array(sent[sent.count - 1].utf8) }
            return false
        }
        #expect(await recorder.messages(on: channel) == sent)
        #expect(await recorder.messages(on: other).isEmpty)

        subscriber.shutdown()
        await running.value
        try await recorder.waitUntilFinished()
        await client.shutdown()
    }

    @Test func binaryPayloadsAndPatternSubscriptions() async throws {
        let configuration = try RedisTestEnvironment.configuration()
        let prefix = RedisTestEnvironment.unique("pattern")
        let exact = RedisTestEnvironment.unique("exact")
        let client = RedisClient(configuration: configuration, connections: 1)
        let subscriber = RedisSubscriber(configuration: configuration, channels: [exact, exact], patterns: [prefix + ":*"])
        let recorder = EventRecorder(subscriber)
        let running = Task { await subscriber.run() }

        _ = try await recorder.waitFor("subscribed") { $0.isSubscribed }
        let binary: [UInt8] = [0x00, 0xFF, 0x0D, 0x0A, 0x00]
        #expect(try await client.publish(exact, bytes: binary) == 1)
        #expect(try await client.publish(prefix + ":a", "via pattern") == 1)
        _ = try await recorder.waitFor("binary message") { $0 == .message(channel: exact, payload: binary) }
        _ = try await recorder.waitFor("pattern message") {
            $0 == .message(channel: prefix + ":a", payload: Array("via pattern".utf8))
        }
        #expect(await recorder.events.filter(\.isSubscribed).count == 1)

        running.cancel()  // cancellation stops it like shutdown()
        await running.value
        try await recorder.waitUntilFinished()
        await client.shutdown()
    }

    @Test func runReturnsImmediatelyWhenCalledTwice() async throws {
        let configuration = try RedisTestEnvironment.configuration()
        let subscriber = RedisSubscriber(configuration: configuration, channels: [RedisTestEnvironment.unique("twice")])
        let recorder = EventRecorder(subscriber)
        let running = Task { await subscriber.run() }
        _ = try await recorder.waitFor("subscribed") { $0.isSubscribed }
        await subscriber.run()  // already running: returns at once
        subscriber.shutdown()
        await running.value
        try await recorder.waitUntilFinished()
    }
}

import Domain
import Testing
@testable import SundialClient

@Suite("EventFeed: URLs, greeting, resume cursor")
struct EventFeedTests {
    @Test("the WebSocket URL carries token, agents and since, with ws/wss for http/https")
    func urls() {
        let feed = EventFeed(baseURL: "http://127.0.0.1:8080", credential: "sk_a+b", options: .init(agents: ["a", "b"]))
        #expect(feed.url(since: nil) == "ws://127.0.0.1:8080/ws/events?token=sk_a%2Bb&agents=a%2Cb")
        #expect(feed.url(since: 812) == "ws://127.0.0.1:8080/ws/events?token=sk_a%2Bb&agents=a%2Cb&since=812")
        let secure = EventFeed(baseURL: "https://sundial.example/api-root", credential: "t")
        #expect(secure.url(since: 3) == "wss://sundial.example/api-root/ws/events?token=t&since=3")
    }

    @Test("a feed started without since resumes after the greeting's latest id, then after each event; replays are dropped")
    func cursor() async throws {
        let cursor = EventCursor(nil)
        let greeted = GreetingFlag()
        let (stream, continuation) = AsyncThrowingStream<EventFeed.Message, any Error>.makeStream()
        _ = try EventFeed.handle(#"{"type":"connected","event_id":40}"#, since: nil, cursor: cursor, greeted: greeted, continuation)
        #expect(greeted.isSet)
        #expect(cursor.value == 40)
        _ = try EventFeed.handle(#"{"type":"schedule_execution_started","event_id":41,"agent":"a"}"#, since: nil, cursor: cursor, greeted: greeted, continuation)
        _ = try EventFeed.handle(#"{"type":"schedule_execution_started","event_id":41,"agent":"a"}"#, since: nil, cursor: cursor, greeted: greeted, continuation)
        let pong = try EventFeed.handle(#"{"type":"ping"}"#, since: nil, cursor: cursor, greeted: greeted, continuation)
        #expect(pong == #"{"type":"pong"}"#)
        #expect(cursor.value == 41)
        continuation.finish()
        var messages: [EventFeed.Message] = []
        for try await message in stream { messages.append(message) }
        #expect(messages.count == 2, "connected + one event; the duplicate and the ping are not delivered")
        #expect(messages.first == .connected(latestEventID: 40, since: nil))
    }

    @Test("with since, a greeting does not move the cursor past events still to be replayed")
    func sinceKeepsReplay() throws {
        let cursor = EventCursor(10)
        let (_, continuation) = AsyncThrowingStream<EventFeed.Message, any Error>.makeStream()
        _ = try EventFeed.handle(#"{"type":"connected","event_id":15}"#, since: 10, cursor: cursor, greeted: GreetingFlag(), continuation)
        #expect(cursor.value == 10)
    }
}

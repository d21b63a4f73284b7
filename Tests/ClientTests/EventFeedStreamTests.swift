import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWebSocket
import Synchronization
import Testing
@testable import SundialClient

/// The event feed against a WebSocket server that speaks the `/ws/events` contract of API.md
/// (the real endpoint lives in the API; this stands in for it so the client's reconnect and
/// resume logic is tested on the wire).
@Suite("EventFeed over a real WebSocket connection")
struct EventFeedStreamTests {
    /// Serves `/ws/events`; `script(n, path)` is the n-th connection's handler (1-based).
    static func withServer(
        _ script: @escaping @Sendable (Int, String, WebSocketOutboundWriter) async throws -> Void,
        _ body: @Sendable (_ baseURL: String, _ paths: @Sendable () -> [String]) async throws -> Void
    ) async throws {
        let paths = Mutex<[String]>([])
        let app = Application(
            router: Router(),
            server: .http1WebSocketUpgrade { request, _, _ in
                guard let path = request.path, path.hasPrefix("/ws/events") else { return .dontUpgrade }
                let number = paths.withLock { $0.append(path); return $0.count }
                return .upgrade([:]) { _, outbound, _ in try await script(number, path, outbound) }
            },
            configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(try #require(client.port))", { paths.withLock { $0 } })
        }
    }

    @Test("after a dropped connection the feed reconnects with since=<last event id> and skips what it already printed")
    func resumesAfterDrop() async throws {
        try await Self.withServer({ _, path, outbound in
            switch path.hasSuffix("since=9") {
            case false:
                try await outbound.write(.text(#"{"type":"connected","event_id":7}"#))
                try await outbound.write(.text(#"{"type":"schedule_execution_started","event_id":8,"agent":"a","schedule_id":"s"}"#))
                try await outbound.write(.text(#"{"type":"schedule_execution_completed","event_id":9,"agent":"a","status":"success","duration_ms":12}"#))
            // returning closes the connection: a drop
            case true:
                try await outbound.write(.text(#"{"type":"connected","event_id":10}"#))
                try await outbound.write(.text(#"{"type":"schedule_execution_completed","event_id":9,"agent":"a","status":"success"}"#))
                try await outbound.write(.text(#"{"type":"schedule_execution_skipped","event_id":10,"agent":"a","reason":"overlap"}"#))
            }
        }) { baseURL, paths in
            let feed = EventFeed(baseURL: baseURL, credential: "tok", options: .init(agents: ["a"], greetingTimeout: .seconds(1)))
            var ids: [Int64] = []
            var greetings: [EventFeed.Message] = []
            var drops = 0
            for try await message in feed.messages() {
                switch message {
                case .connected: greetings.append(message)
                case .disconnected: drops += 1
                case .event(let event): ids.append(try #require(event.eventID))
                }
                if ids.count == 3 { break }
            }
            #expect(ids == [8, 9, 10])
            #expect(drops >= 1)
            #expect(greetings.first == .connected(latestEventID: 7, since: nil))
            #expect(greetings.last == .connected(latestEventID: 10, since: 9))
            // A connection whose greeting got stuck is simply opened again with the same since.
            let seen = paths()
            #expect(seen.first == "/ws/events?token=tok&agents=a")
            #expect(seen.last == "/ws/events?token=tok&agents=a&since=9")
            #expect(Set(seen) == ["/ws/events?token=tok&agents=a", "/ws/events?token=tok&agents=a&since=9"], "\(seen)")
        }
    }

    @Test("a feed given since asks for it on the first connection")
    func startsFromSince() async throws {
        try await Self.withServer({ _, _, outbound in
            try await outbound.write(.text(#"{"type":"connected","event_id":50}"#))
            try await outbound.write(.text(#"{"type":"schedule_execution_started","event_id":43,"agent":"b"}"#))
        }) { baseURL, paths in
            let feed = EventFeed(baseURL: baseURL, credential: "tok", options: .init(since: 42, reconnect: false, greetingTimeout: .seconds(1)))
            var events: [SundialEvent] = []
            for try await message in feed.messages() {
                if case .event(let event) = message { events.append(event) }
            }
            #expect(events.map(\.eventID) == [43])
            #expect(events.first?.agent == "b")
            #expect(!paths().isEmpty && paths().allSatisfy { $0 == "/ws/events?token=tok&since=42" }, "\(paths())")
        }
    }

    @Test("no server, or a refused upgrade, fails the feed at once with a message naming /ws/events")
    func firstConnectionFails() async throws {
        let nothing = EventFeed(baseURL: "http://127.0.0.1:1", credential: "tok")
        await #expect(throws: SundialClientError.self) {
            for try await _ in nothing.messages() {}
        }
        let app = Application(router: Router(), server: .http1WebSocketUpgrade { _, _, _ in .dontUpgrade }, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let refused = EventFeed(baseURL: "http://127.0.0.1:\(try #require(client.port))", credential: "tok")
            do {
                for try await _ in refused.messages() {}
                Issue.record("the feed should have failed")
            } catch let error as SundialClientError {
                #expect(error.kind == .unavailable)
                #expect(error.detail.contains("/ws/events"))
            }
        }
    }
}

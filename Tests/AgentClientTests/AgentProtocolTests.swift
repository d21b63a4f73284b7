import Domain
@testable import AgentClient
import Foundation
import Testing

@Suite("Agent protocol values")
struct AgentProtocolTests {
    @Test func jsonValueRoundTrips() throws {
        let text = #"{"a":1,"b":1.5,"c":"s","d":[true,null,-3],"e":{},"f":false}"#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(value == ["a": 1, "b": 1.5, "c": "s", "d": [true, nil, -3], "e": [:], "f": false])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(String(decoding: try encoder.encode(value), as: UTF8.self) == text)
        #expect(value["a"]?.intValue == 1)
        #expect(value["b"]?.doubleValue == 1.5)
        #expect(value["c"]?.stringValue == "s")
        #expect(value["zzz"] == nil)
    }

    @Test func metadataIsLenient() throws {
        let text = #"""
            {"response": "hi", "execution_log": null,
             "metadata": {"cost_usd": 2, "duration_ms": 12.0, "num_turns": "three", "tool_count": 1.5}}
            """#
        let result = try JSONDecoder().decode(AgentTaskResult.self, from: Data(text.utf8))
        #expect(result.response == "hi")
        #expect(result.executionLog == nil)
        #expect(result.metadata == AgentTaskResult.Metadata(costUSD: 2, durationMS: 12))
        #expect(result.sessionID == nil)
    }

    @Test func responseIsRequired() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(AgentTaskResult.self, from: Data(#"{"metadata": {}}"#.utf8))
        }
    }

    @Test(arguments: [
        // (text, maxBytes, expected, truncated)
        ("hello", 10, "hello", false),
        ("hello", 5, "hello", false),
        ("hello", 4, "hell", true),
        ("héllo", 2, "h", true),        // é is 2 bytes: cutting inside it drops it
        ("héllo", 3, "hé", true),
        ("日本語", 7, "日本", true),       // 3 bytes each
        ("日本語", 8, "日本", true),
        ("😀😀", 5, "😀", true),          // 4 bytes each
        ("😀😀", 3, "", true),
        ("abc", 0, "", true),
    ])
    func truncationKeepsCharactersWhole(text: String, maxBytes: Int, expected: String, truncated: Bool) {
        let result = ResponseTruncation.truncate(text, maxBytes: maxBytes)
        #expect(result.text == expected)
        #expect(result.truncated == truncated)
    }

    @Test func truncationDefaultsToTenKilobytes() {
        #expect(ResponseTruncation.storedResponseLimit == 10_240)
        let exact = String(repeating: "a", count: 10_240)
        #expect(ResponseTruncation.truncate(exact) == (exact, false))

        let euros = String(repeating: "€", count: 4_000)  // 12,000 bytes, 3 per character
        let (cut, truncated) = ResponseTruncation.truncate(euros)
        #expect(truncated)
        #expect(cut.utf8.count == 10_239)
        #expect(cut == String(repeating: "€", count: 3_413))

        let result = AgentTaskResult(response: euros)
        #expect(result.truncatedResponse() == (cut, true))
    }

    @Test(arguments: [
        (Duration.seconds(900), "900s"),
        (.milliseconds(300), "300ms"),
        (.milliseconds(1500), "1.5s"),
        (.milliseconds(1234), "1234ms"),
    ])
    func timeoutMessagesNameTheLimit(timeout: Duration, text: String) {
        let error = HTTPClientError(code: .timeout, message: "Operation timed out")
        let classified = AgentClient.classify(error, url: "http://agent:8000/api/task", timeout: timeout)
        #expect(classified == AgentCallError(kind: .timeout, message: "agent timed out after \(text)"))
    }

    @Test(arguments: [
        (HTTPClientError.Code.connectTimeout, AgentCallError.Kind.unreachable, "agent unreachable: connect timed out to http://agent:8000/api/task"),
        (.couldNotResolveHost, .unreachable, "agent unreachable: could not resolve host of http://agent:8000/api/task"),
        (.transport, .transport, "agent request failed: Empty reply from server"),
        (.shutdown, .cancelled, "agent call cancelled: the HTTP client was shut down"),
    ])
    func transportErrorsAreClassified(code: HTTPClientError.Code, kind: AgentCallError.Kind, message: String) {
        let error = HTTPClientError(code: code, message: "Empty reply from server")
        let classified = AgentClient.classify(error, url: "http://agent:8000/api/task", timeout: .seconds(1))
        #expect(classified == AgentCallError(kind: kind, message: message))
    }
}

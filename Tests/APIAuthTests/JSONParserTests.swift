import APIAuth
import APISupport
import Domain
import Foundation
import Testing

@Suite("Strict JSON parser")
struct JSONParserTests {
    func parse(_ text: String) throws(JSONParser.Failure) -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    @Test func parsesEveryKindOfValue() throws {
        let value = try parse(
            #" {"s":"x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude80","i":-12,"z":0,"d":1.5e2,"neg":-0.25,"t":true,"f":false,"n":null,"a":[1,[],{}],"o":{}} "#
        )
        #expect(
            value
                == .object([
                    "s": .string("x\"\\/\u{8}\u{C}\n\r\té🚀"), "i": .int(-12), "z": .int(0), "d": .double(150),
                    "neg": .double(-0.25), "t": .bool(true), "f": .bool(false), "n": .null,
                    "a": .array([.int(1), .array([]), .object([:])]), "o": .object([:]),
                ]))
    }

    @Test func integersStayIntegersAndHugeOnesBecomeDoubles() throws {
        #expect(try parse("9223372036854775807") == .int(Int.max))
        #expect(try parse("-9223372036854775808") == .int(Int.min))
        #expect(try parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try parse("2.0") == .double(2))
    }

    @Test func keepsNULAndRawUnicode() throws {
        #expect(try parse(#""a\u0000b""#) == .string("a\u{0}b"))
        #expect(try parse("\"名前 🚀 Zoë\"") == .string("名前 🚀 Zoë"))
    }

    @Test(arguments: [
        ("", "empty document"),
        ("   ", "empty document"),
        (#"{"a":1,}"#, "expected a string key"),
        ("[1,]", "unexpected character ']'"),
        ("{'a':1}", "expected a string key"),
        (#"{"a" 1}"#, "expected ':' after an object key"),
        (#"{"a":1 "b":2}"#, "expected ',' or '}' in an object"),
        ("[1 2]", "expected ',' or ']' in an array"),
        (#"{"a":1}{"#, "unexpected data after the JSON value"),
        ("// c\n{}", "unexpected character '/'"),
        ("01", "leading zeros are not allowed"),
        ("1.", "expected a digit after '.'"),
        ("1e", "expected a digit in the exponent"),
        ("-", "expected a digit"),
        ("+1", "unexpected character '+'"),
        (".5", "unexpected character '.'"),
        ("NaN", "unexpected character 'N'"),
        ("1e999", "number 1e999 is out of range"),
        ("tru", "invalid literal"),
        ("nulll", "unexpected data after the JSON value"),
        (#""abc"#, "unterminated string"),
        ("\"a\tb\"", "unescaped control character 0x09 in a string"),
        (#""\x""#, "invalid escape \\'x'"),
        (#""\u12G4""#, "invalid hex digit in a \\u escape"),
        (#""\ud83d""#, "unpaired surrogate in a \\u escape"),
        (#""\ude80""#, "unpaired surrogate in a \\u escape"),
        (#""\ud83d\u0041""#, "unpaired surrogate in a \\u escape"),
        (#"{"a":1,"a":2}"#, "duplicate key \"a\""),
    ])
    func rejectsWhatRFC8259Rejects(text: String, message: String) {
        #expect {
            _ = try parse(text)
        } throws: { error in
            (error as? JSONParser.Failure)?.message == message
        }
    }

    @Test func reportsLineAndColumn() {
        do {
            _ = try parse("{\n  \"a\": 1,\n  \"b\": ?\n}")
            Issue.record("should fail")
        } catch {
            #expect(error.line == 3)
            #expect(error.column == 8)
            #expect("\(error)" == "unexpected character '?' at line 3, column 8")
        }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }  // encoded surrogate
    }

    @Test func limitsNestingInsteadOfOverflowingTheStack() throws {
        let ok = String(repeating: "[", count: JSONParser.maxDepth) + String(repeating: "]", count: JSONParser.maxDepth)
        #expect(throws: Never.self) { try parse(ok) }
        let deep = String(repeating: "[", count: 1_000_000)
        #expect(throws: JSONParser.Failure.self) { try parse(deep) }
        let deepObjects = String(repeating: #"{"a":"#, count: 10_000)
        #expect(throws: JSONParser.Failure.self) { try parse(deepObjects) }
    }

    @Test func agreesWithFoundationOnValidDocuments() throws {
        let document: [String: Any] = [
            "name": "x ' \" \\ / \u{1}", "list": [1, 2.5, "three", NSNull(), true, ["nested": [:]]], "n": -7,
        ]
        let data = try JSONSerialization.data(withJSONObject: document)
        let parsed = try JSONParser.parse([UInt8](data))
        #expect(parsed["name"] == .string("x ' \" \\ / \u{1}"))
        #expect(parsed["n"] == .int(-7))
        #expect(
            parsed["list"]
                == .array([
                    .int(1), .double(2.5), .string("three"), .null, .bool(true), .object(["nested": .object([:])]),
                ]))
    }
}

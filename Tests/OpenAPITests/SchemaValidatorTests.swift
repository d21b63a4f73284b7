import Foundation
import Testing

/// The validator itself: each supported keyword accepts what it should and rejects what it
/// should, so a green conformance run means something.
@Suite("JSON Schema validator")
struct SchemaValidatorTests {
    static let root = try! JSON.parse(#"""
    {
      "components": {
        "schemas": {
          "Error": {
            "type": "object",
            "properties": {"detail": {"type": "string"}, "code": {"type": "string", "minLength": 1}},
            "required": ["detail", "code"],
            "additionalProperties": false
          },
          "Thing": {
            "type": "object",
            "properties": {
              "id": {"type": "string", "format": "uuid"},
              "count": {"type": "integer", "minimum": 0, "maximum": 10},
              "ratio": {"type": ["number", "null"], "exclusiveMaximum": 1},
              "state": {"type": "string", "enum": ["on", "off"]},
              "name": {"type": "string", "minLength": 1, "maxLength": 3, "pattern": "^[a-z]+$"},
              "at": {"type": ["string", "null"], "format": "date-time"},
              "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
              "error": {"anyOf": [{"$ref": "#/components/schemas/Error"}, {"type": "null"}]},
              "extra": {"type": "object", "additionalProperties": {"type": "boolean"}}
            },
            "required": ["id", "count"],
            "additionalProperties": false
          },
          "Shape": {
            "oneOf": [
              {"type": "object", "properties": {"kind": {"const": "a"}}, "required": ["kind"]},
              {"type": "object", "properties": {"kind": {"const": "b"}}, "required": ["kind"]}
            ]
          },
          "Weird": {"type": "string", "unknownKeyword": 1}
        }
      }
    }
    """#)

    let validator = SchemaValidator(root: Self.root)

    func failures(_ instance: String, _ schema: String) throws -> [SchemaValidator.Failure] {
        validator.validate(try JSON.parse(instance), against: try JSON.parse(##"{"$ref": "#/components/schemas/\##(schema)"}"##))
    }

    @Test("a valid instance passes")
    func valid() throws {
        let instance = #"""
        {"id": "0b3c8a9e-3f0e-4c1e-9a43-6d2f0c1d2e3f", "count": 10, "ratio": null, "state": "on", "name": "abc",
         "at": "2024-03-10T07:30:00.123Z", "tags": ["x"], "error": {"detail": "d", "code": "c"}, "extra": {"k": true}}
        """#
        #expect(try failures(instance, "Thing") == [])
        #expect(try failures(#"{"id": "0B3C8A9E-3F0E-4C1E-9A43-6D2F0C1D2E3F", "count": 0, "ratio": 0.5, "error": null}"#, "Thing") == [])
    }

    @Test("each keyword rejects", arguments: [
        (#"{"count": 1}"#, "missing required property \"id\""),
        (#"{"id": "nope", "count": 1}"#, "is not a UUID"),
        (#"{"id": "0b3c8a9e-3f0e-4c1e-9a43-6d2f0c1d2e3f", "count": 1.5}"#, "expected integer"),
        (#"{"id": "0b3c8a9e-3f0e-4c1e-9a43-6d2f0c1d2e3f", "count": "1"}"#, "expected integer, got string"),
        (#"{"id": "0b3c8a9e-3f0e-4c1e-9a43-6d2f0c1d2e3f", "count": 11}"#, "greater than the maximum"),
        (#"{"id": "0b3c8a9e-3f0e-4c1e-9a43-6d2f0c1d2e3f", "count": -1}"#, "less than the minimum"),
        (#"{"id": "0b3c8a9e-3f0e-4c1e-9a43-6d2f0c1d2e3f", "count": 1, "ratio": 1}"#, "is not less than"),
        (#"{"id": "0b3c8a9e-3f0e-4c1e-9a43-6d2f0c1d2e3f", "count": 1, "ratio": "x"}"#, "expected number or null"),
        (#"{"id": "0b3c8a9e-3f0e-4c1e-9a43-6d2f0c1d2e3f", "count": 1, "state": "maybe"}"#, "is not one of"),
        (#"{"id": "0b3c8a9e-3f0e-4c1e-9a43-6d2f0c1d2e3f", "count": 1, "name": ""}"#, "fewer than 1"),
        (#"{"id": "0b3c8a9e-3f0e-4c1e-9a43-6d2f0c1d2e3f", "count": 1, "name": "abcd"}"#, "more than 3"),
        (#"{"id": "0b3c8a9e-3f0e-4c1e-9a43-6d2f0c1d2e3f", "count": 1, "name": "AB"}"#, "does not match"),
        (#"{"id": "0b3c8a9e-3f0e-4c1e-9a43-6d2f0c1d2e3f", "count": 1, "at": "2024-03-10 07:30:00Z"}"#, "not an RFC 3339"),
        (#"{"id": "0b3c8a9e-3f0e-4c1e-9a43-6d2f0c1d2e3f", "count": 1, "at": "2024-02-30T07:30:00Z"}"#, "not an RFC 3339"),
        (#"{"id": "0b3c8a9e-3f0e-4c1e-9a43-6d2f0c1d2e3f", "count": 1, "at": "2024-03-10T07:30:00+01:00"}"#, "not in UTC"),
        (#"{"id": "0b3c8a9e-3f0e-4c1e-9a43-6d2f0c1d2e3f", "count": 1, "tags": ["a", 1]}"#, "$.tags[1]"),
        (#"{"id": "0b3c8a9e-3f0e-4c1e-9a43-6d2f0c1d2e3f", "count": 1, "tags": ["a", "b", "c"]}"#, "more than 2"),
        (#"{"id": "0b3c8a9e-3f0e-4c1e-9a43-6d2f0c1d2e3f", "count": 1, "error": {"detail": "d"}}"#, "matches none of anyOf"),
        (#"{"id": "0b3c8a9e-3f0e-4c1e-9a43-6d2f0c1d2e3f", "count": 1, "extra": {"k": 1}}"#, "$.extra.k"),
        (#"{"id": "0b3c8a9e-3f0e-4c1e-9a43-6d2f0c1d2e3f", "count": 1, "surprise": true}"#, "undocumented property"),
        (#"[]"#, "expected object, got array"),
    ])
    func rejects(instance: String, mention: String) throws {
        let found = try failures(instance, "Thing")
        #expect(!found.isEmpty, "accepted \(instance)")
        #expect(found.contains { $0.description.contains(mention) }, "\(found) does not mention \(mention)")
    }

    @Test("oneOf needs exactly one branch; const; unresolvable $ref and unknown keywords fail")
    func composition() throws {
        #expect(try failures(#"{"kind": "a"}"#, "Shape") == [])
        #expect(try failures(#"{"kind": "c"}"#, "Shape").first?.message.contains("none of oneOf") == true)
        let both = try JSON.parse(#"{"oneOf": [{"type": "integer"}, {"type": "number"}]}"#)
        #expect(validator.validate(.int(1), against: both).first?.message.contains("exactly one") == true)
        #expect(try failures(#""x""#, "Missing").first?.message.contains("unresolvable") == true)
        #expect(try failures(#""x""#, "Weird").first?.message.contains("unsupported schema keyword") == true)
        #expect(validator.validate(.null, against: .bool(false)).count == 1)
        #expect(validator.validate(.null, against: .bool(true)).isEmpty)
        #expect(validator.validate(.double(2.0), against: try JSON.parse(#"{"type": "integer", "enum": [2]}"#)).isEmpty)
    }

    @Test("date-time accepts RFC 3339 UTC forms")
    func dateTimes() {
        for text in ["2024-03-10T07:30:00Z", "2024-03-10T07:30:00.5Z", "2024-02-29T23:59:59.123456Z", "2000-02-29T00:00:00Z"] {
            #expect(SchemaValidator.dateTimeProblem(text, requireUTC: true) == nil, "\(text)")
        }
        for text in ["2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-03-10T24:00:00Z", "2024-03-10T07:30Z", "2024-03-10T07:30:00.Z", "2024-03-10"] {
            #expect(SchemaValidator.dateTimeProblem(text, requireUTC: true) != nil, "\(text)")
        }
        #expect(SchemaValidator.dateTimeProblem("2024-03-10T07:30:00-05:00", requireUTC: false) == nil)
    }
}

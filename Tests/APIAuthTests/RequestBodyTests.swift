import APIAuth
import APISupport
import Domain
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `FieldReader` on parsed objects: typed reads and the 422s that name the field.
@Suite("Field reader")
struct FieldReaderTests {
    func reader(_ json: String) throws -> FieldReader {
        try JSONBody.parseObject(Array(json.utf8))
    }

    /// The detail of the APIError `body` throws, with its status.
    func failure(_ body: () throws -> Void) -> (status: HTTPResponse.Status, detail: String, code: String)? {
        do {
            try body()
            return nil
        } catch let error as APIError {
            return (error.status, error.detail, error.code)
        } catch {
            return (.internalServerError, "\(error)", "unexpected")
        }
    }

    @Test func readsTypedFields() throws {
        var body = try reader(
            #"{"name":"n","count":3,"ratio":0.5,"whole":2.0,"on":true,"tags":["a","b"],"ctx":{"k":[1,null]},"dest":{"kind":"webhook"}}"#
        )
        #expect(try body.required("name", .string) == "n")
        #expect(try body.required("count", .int) == 3)
        #expect(try body.required("ratio", .double) == 0.5)
        #expect(try body.required("whole", .int) == 2)
        #expect(try body.required("on", .bool) == true)
        #expect(try body.required("tags", .stringArray) == ["a", "b"])
        #expect(try body.required("ctx", .jsonObject) == .object(["k": .array([.int(1), .null])]))
        var destination = try body.required("dest", .object)
        #expect(try destination.required("kind", .string) == "webhook")
        try destination.rejectUnknown()
        try body.rejectUnknown()
    }

    @Test func distinguishesAbsentFromExplicitNull() throws {
        var body = try reader(#"{"description":null,"model":"m"}"#)
        #expect(try body.field("description", .string) == .null)
        #expect(try body.field("timezone", .string) == .absent)
        #expect(try body.field("model", .string) == .value("m"))
        #expect(try body.optional("description", .string) == nil)
        #expect(try body.field("timezone", .string).isPresent == false)
        #expect(try body.field("description", .string).isPresent == true)
    }

    @Test(arguments: [
        (#"{}"#, "name: required", "missing_field"),
        (#"{"name":null}"#, "name: expected a string, got null", "invalid_field"),
        (#"{"name":5}"#, "name: expected a string, got a number", "invalid_field"),
        (#"{"name":true}"#, "name: expected a string, got a boolean", "invalid_field"),
        (#"{"name":["x"]}"#, "name: expected a string, got an array", "invalid_field"),
        (#"{"name":{"x":1}}"#, "name: expected a string, got an object", "invalid_field"),
        (#"{"name":"a\u0000b"}"#, "name: must not contain NUL (\u{5C}u0000) characters", "invalid_field"),
    ])
    func stringErrorsNameTheField(json: String, detail: String, code: String) throws {
        var body = try reader(json)
        let error = failure { _ = try body.required("name", .string) }
        #expect(error?.status == .unprocessableContent)
        #expect(error?.detail == detail)
        #expect(error?.code == code)
    }

    @Test func otherTypeErrorsNameTheFieldToo() throws {
        var body = try reader(
            #"{"count":1.5,"big":1e300,"on":"true","tags":["a",2],"role":"root","dest":{"url":3},"ctx":[1],"deep":{"a":["\u0000"]}}"#
        )
        #expect(failure { _ = try body.required("count", .int) }?.detail == "count: expected an integer, got 1.5")
        #expect(failure { _ = try body.required("big", .int) }?.detail.hasPrefix("big: expected an integer") == true)
        #expect(failure { _ = try body.required("on", .bool) }?.detail == "on: expected a boolean, got a string")
        #expect(
            failure { _ = try body.required("tags", .stringArray) }?.detail
                == "tags[1]: expected a string, got a number")
        #expect(
            failure { _ = try body.required("role", .oneOf(Identity.Role.self)) }?.detail
                == #"role: expected one of "admin", "user""#)
        var destination = try body.required("dest", .object)
        #expect(
            failure { _ = try destination.required("url", .string) }?.detail
                == "dest.url: expected a string, got a number")
        #expect(failure { _ = try destination.required("kind", .string) }?.detail == "dest.kind: required")
        #expect(
            failure { _ = try body.required("ctx", .jsonObject) }?.detail == "ctx: expected an object, got an array")
        #expect(
            failure { _ = try body.required("deep", .json) }?.detail.hasPrefix("deep: must not contain NUL") == true)
        #expect(try body.required("deep", .json(allowNUL: true)) == .object(["a": .array([.string("\u{0}")])]))
    }

    @Test func rejectsUnknownFieldsButNotOnesThatWereRead() throws {
        var body = try reader(#"{"name":"x","foo":1,"bar":2}"#)
        _ = try body.required("name", .string)
        let error = failure { try body.rejectUnknown() }
        #expect(error?.status == .unprocessableContent)
        #expect(error?.detail == #"unknown field "bar""#)
        #expect(error?.code == "unknown_field")
        #expect(failure { try body.rejectUnknown(allowing: ["bar", "foo"]) } == nil)

        // A field read with `optional`/`field` counts as known even when absent or null.
        var partial = try reader(#"{"description":null}"#)
        _ = try partial.field("description", .string)
        _ = try partial.optional("model", .string)
        try partial.rejectUnknown()

        var nested = try reader(#"{"dest":{"kind":"webhook","extra":1}}"#)
        var destination = try nested.required("dest", .object)
        _ = try destination.required("kind", .string)
        #expect(failure { try destination.rejectUnknown() }?.detail == #"unknown field "dest.extra""#)
    }

    @Test(arguments: [
        "Zoë 名前 🚀 \u{200D}\u{1F468}\u{200D}\u{1F469}",
        "'; DROP TABLE users; --",
        #"Robert"); DELETE FROM api_keys WHERE ("1"="1"#,
        "back\\slash \"quotes\" $1 %s %n {{date}} <script>",
        "line\nbreak\ttab\r\u{7F}\u{1B}",
        "\u{FEFF}bom \u{10FFFF} \u{E000}",
    ])
    func unusualStringsRoundTripIntact(text: String) throws {
        let json = String(decoding: try JSONEncoder().encode(["name": text]), as: UTF8.self)
        var body = try reader(json)
        #expect(try body.required("name", .string) == text)
    }

    @Test func nulIsKeptWhenAllowedAndRefusedOtherwise() throws {
        var body = try reader(#"{"name":"a\u0000b"}"#)
        #expect(try body.required("name", .string(allowNUL: true)) == "a\u{0}b")
        #expect(failure { _ = try body.required("name", .string) }?.code == "invalid_field")
    }

    @Test(arguments: [
        ("", "Malformed JSON body"),
        ("{", "Malformed JSON body"),
        (#"{"a":}"#, "Malformed JSON body"),
        (#"{"a":1,}"#, "Malformed JSON body"),
        ("{'a':1}", "Malformed JSON body"),
        ("nul", "Malformed JSON body"),
        (#"[1,2]"#, "Request body must be a JSON object"),
        (#""text""#, "Request body must be a JSON object"),
        ("42", "Request body must be a JSON object"),
        ("null", "Request body must be a JSON object"),
    ])
    func malformedOrNonObjectDocumentsAre422(json: String, detailPrefix: String) {
        let error = failure { _ = try JSONBody.parseObject(Array(json.utf8)) }
        #expect(error?.status == .unprocessableContent)
        #expect(error?.detail.hasPrefix(detailPrefix) == true, "\(error?.detail ?? "no error")")
    }

    @Test func invalidUTF8Is422() {
        let error = failure {
            _ = try JSONBody.parseObject([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D])
        }
        #expect(error?.status == .unprocessableContent)
    }

    @Test func deeplyNestedDocumentsFailCleanly() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = failure { _ = try JSONBody.parseObject(Array(#"{"a":\#(deep)}"#.utf8)) }
        #expect(error?.status == .unprocessableContent)
    }

    @Test func formBodiesDecodePlusAndPercentEscapes() throws {
        let form = try FormBody.parse(
            Array("username=al%C3%AFce+b&password=p%26ss%3Dw+rd&empty=&flag&username=second".utf8))
        #expect(form["username"] == "alïce b")
        #expect(form["password"] == "p&ss=w rd")
        #expect(form["empty"] == "")
        #expect(form["flag"] == "")
        #expect(throws: APIError.self) { try FormBody.parse(Array("a=%ZZ".utf8)) }
        #expect(throws: APIError.self) { try FormBody.parse(Array("a=%C3".utf8)) }
        #expect(throws: APIError.self) { try FormBody.parse(Array("a=%4".utf8)) }
    }

    @Test func mediaTypes() {
        #expect(JSONBody.mediaType("Application/JSON; charset=UTF-8") == "application/json")
        #expect(JSONBody.isJSON("application/json"))
        #expect(JSONBody.isJSON("application/merge-patch+json"))
        #expect(JSONBody.isJSON("application/vnd.api+json"))
        #expect(!JSONBody.isJSON("text/plain"))
        #expect(!JSONBody.isJSON("application/x-www-form-urlencoded"))
        #expect(!JSONBody.isJSON("+json"))
        #expect(!JSONBody.isJSON(nil))
    }
}

/// `JSONBody.read` over HTTP: content types, sizes, empty bodies.
@Suite("JSON request bodies over HTTP")
struct JSONBodyHTTPTests {
    /// `POST /echo` returns the `name` it read; `POST /optional` accepts an empty body.
    func withApp(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let router = Router(context: APIRequestContext.self)
        router.post("echo") { request, context in
            var body = try await JSONBody.read(request, context: context)
            let name = try body.required("name", .string)
            try body.rejectUnknown()
            return try JSONText.response(["name": name])
        }
        router.post("optional") { request, context in
            let body = try await JSONBody.read(request, context: context, allowEmpty: true)
            return try JSONText.response(["empty": body.isEmpty])
        }
        try await Application(router: router).test(.router) { client in try await body(client) }
    }

    @Test(arguments: [
        nil, "application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/merge-patch+json",
    ])
    func acceptsJSONAndAMissingContentType(contentType: String?) async throws {
        try await withApp { client in
            let reply = try await client.send(.post, "/echo", contentType: contentType, body: #"{"name":"ok"}"#)
            #expect(reply.status == .ok)
            #expect(reply.json["name"] as? String == "ok")
        }
    }

    @Test(arguments: [
        "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/json; charset=latin1", "application/xml",
    ])
    func otherContentTypesAre415(contentType: String) async throws {
        try await withApp { client in
            let reply = try await client.send(.post, "/echo", contentType: contentType, body: #"{"name":"ok"}"#)
            #expect(reply.status == .unsupportedMediaType)
            #expect(reply.code == "unsupported_media_type")
            #expect(reply.headers[.contentType] == "application/json")
            #expect(reply.detail?.isEmpty == false)
        }
    }

    @Test func bodiesOver1MiBAre413() async throws {
        try await withApp { client in
            let big = #"{"name":""# + String(repeating: "x", count: 1024 * 1024) + #""}"#
            let reply = try await client.send(.post, "/echo", body: big)
            #expect(reply.status == .contentTooLarge)
            #expect(reply.code == "payload_too_large")

            let justUnder = #"{"name":""# + String(repeating: "x", count: 1024 * 1024 - 20) + #""}"#
            #expect(try await client.send(.post, "/echo", body: justUnder).status == .ok)
        }
    }

    @Test func overALiveConnectionADeclaredOversizeBodyIs413AndTheServerKeepsServing() async throws {
        let router = Router(context: APIRequestContext.self)
        router.post("echo") { request, context in
            var body = try await JSONBody.read(request, context: context)
            return try JSONText.response(["name": try body.required("name", .string)])
        }
        try await Application(router: router).test(.live) { client in
            let big = #"{"name":""# + String(repeating: "x", count: 2 * 1024 * 1024) + #""}"#
            let reply = try await client.send(.post, "/echo", body: big)
            #expect(reply.status == .contentTooLarge)
            #expect(reply.code == "payload_too_large")
            let small = try await client.send(.post, "/echo", body: #"{"name":"still here"}"#)
            #expect(small.status == .ok)
            #expect(small.json["name"] as? String == "still here")
        }
    }

    @Test func malformedJSONIs422AndNamesTheProblem() async throws {
        try await withApp { client in
            let reply = try await client.send(.post, "/echo", body: #"{"name": "x",}"#)
            #expect(reply.status == .unprocessableContent)
            #expect(reply.code == "malformed_json")
            #expect(reply.detail == "Malformed JSON body: expected a string key at line 1, column 14")

            let array = try await client.send(.post, "/echo", body: "[]")
            #expect(array.status == .unprocessableContent)
            #expect(array.detail == "Request body must be a JSON object")
        }
    }

    @Test func missingFieldsAndUnknownFieldsAre422() async throws {
        try await withApp { client in
            let missing = try await client.send(.post, "/echo", body: "{}")
            #expect(missing.status == .unprocessableContent)
            #expect(missing.detail == "name: required")
            let unknown = try await client.send(.post, "/echo", body: #"{"name":"x","foo":1}"#)
            #expect(unknown.status == .unprocessableContent)
            #expect(unknown.detail == #"unknown field "foo""#)
        }
    }

    @Test func anEmptyBodyIsRequiredOrAcceptedAsTheRouteSays() async throws {
        try await withApp { client in
            let required = try await client.send(.post, "/echo", body: "")
            #expect(required.status == .unprocessableContent)
            #expect(required.code == "missing_body")

            // Body-less actions may arrive with a JSON content type and nothing else.
            let optional = try await client.send(.post, "/optional", contentType: "application/json", body: "")
            #expect(optional.status == .ok)
            #expect(optional.json["empty"] as? Bool == true)
            let none = try await client.send(.post, "/optional")
            #expect(none.status == .ok)
            let given = try await client.send(.post, "/optional", body: #"{"a":1}"#)
            #expect(given.json["empty"] as? Bool == false)
        }
    }

    @Test(arguments: ["Zoë 名前 🚀", "'; DROP TABLE users; --", "quote\" back\\slash \u{1F}", "a\u{0}b"])
    func unusualStringsSurviveTheRoundTrip(text: String) async throws {
        try await withApp { client in
            let body = String(decoding: try JSONEncoder().encode(["name": text]), as: UTF8.self)
            let reply = try await client.send(.post, "/echo", body: body)
            if text.contains("\u{0}") {
                // Postgres cannot store NUL: refused cleanly, never a 500.
                #expect(reply.status == .unprocessableContent)
                #expect(reply.detail?.hasPrefix("name: must not contain NUL") == true)
            } else {
                #expect(reply.status == .ok)
                #expect(reply.json["name"] as? String == text)
            }
        }
    }
}

import Foundation
import Hummingbird

/// Every error the API answers with: `{"detail": "...", "code": "..."}` (detail first,
/// for Trinity-compatible clients) and the matching status. Errors of the modules below
/// are mapped to this in one place; nothing below the API knows HTTP status codes.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var detail: String
    public var code: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ detail: String, code: String, headers: HTTPFields = [:]) {
        self.status = status
        self.detail = detail
        self.code = code
        self.headers = headers
    }

    public static func badRequest(_ detail: String, code: String = "invalid_parameter") -> APIError {
        APIError(.badRequest, detail, code: code)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        let body = "{\"detail\":\(JSONText.quote(detail)),\"code\":\(JSONText.quote(code))}"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// JSON encoding helpers shared by the routes.
public enum JSONText {
    public static func quote(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    public static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension APIError {
    public static func unauthorized(_ detail: String = "Not authenticated") -> APIError {
        APIError(.unauthorized, detail, code: "unauthorized", headers: [.wwwAuthenticate: "Bearer"])
    }

    public static func forbidden(_ detail: String) -> APIError {
        APIError(.forbidden, detail, code: "forbidden")
    }

    public static func notFound(_ detail: String) -> APIError {
        APIError(.notFound, detail, code: "not_found")
    }

    public static func conflict(_ detail: String, code: String = "conflict") -> APIError {
        APIError(.conflict, detail, code: code)
    }

    /// A malformed or missing body field (422), naming the field.
    public static func unprocessable(_ detail: String, code: String = "invalid_body") -> APIError {
        APIError(.unprocessableContent, detail, code: code)
    }
}

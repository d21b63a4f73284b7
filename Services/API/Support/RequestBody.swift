import Domain
import Foundation
import Hummingbird
import NIOCore

/// Reads request bodies by the compatibility rules of API.md:
///
/// - the content type must be JSON (`application/json` or any `…/…+json`,
///   UTF-8); a missing content type is tolerated; anything else is 415
///   `unsupported_media_type`;
/// - more than `context.maxUploadSize` bytes (1 MiB) is 413 `payload_too_large`,
///   refused from `Content-Length` before reading when the client declares it;
/// - malformed JSON is 422 `malformed_json`, a body that is not an object 422
///   `invalid_body`, a missing body 422 `missing_body`;
/// - routes that take no body (or an optional one) pass `allowEmpty: true`, and
///   then an empty body is accepted whatever its content type says.
public enum JSONBody {
    /// The body as a JSON object, ready for typed field reads.
    public static func read(_ request: Request, context: some RequestContext, allowEmpty: Bool = false) async throws
        -> FieldReader
    {
        let bytes = try await collect(request, context: context, allowEmpty: allowEmpty) { mediaType in
            mediaType == nil || isJSON(mediaType)
        }
        if bytes.isEmpty, allowEmpty { return FieldReader() }
        return try parseObject(bytes)
    }

    /// The raw body bytes after the content type (`accepts` gets the lowercased
    /// media type without parameters, nil when absent) and size checks.
    public static func collect(
        _ request: Request, context: some RequestContext, allowEmpty: Bool = false,
        accepts: (String?) -> Bool
    ) async throws -> [UInt8] {
        let limit = context.maxUploadSize
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw tooLarge(limit)
        }
        // An empty body with a content type is fine where no body is needed.
        if allowEmpty, request.headers[.contentLength] == "0" { return [] }
        let contentType = request.headers[.contentType]
        let mediaType = contentType.map(Self.mediaType)
        let charsetOK = contentType.map(Self.isUTF8Charset) ?? true
        // A declared non-empty body of the wrong type is refused without reading it.
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > 0,
            !(accepts(mediaType) && charsetOK)
        {
            throw unsupported(contentType)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge(limit)
        }
        if buffer.readableBytes == 0 {
            if allowEmpty { return [] }
            guard mediaType == nil || accepts(mediaType) else { throw unsupported(contentType) }
            throw APIError.unprocessable("Request body is required", code: "missing_body")
        }
        guard accepts(mediaType), charsetOK else { throw unsupported(contentType) }
        return buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
    }

    /// Parses a JSON document that must be an object.
    public static func parseObject(_ bytes: [UInt8]) throws -> FieldReader {
        guard case .object(let members) = try parse(bytes) else {
            throw APIError.unprocessable("Request body must be a JSON object", code: "invalid_body")
        }
        return FieldReader(members)
    }

    /// Parses any JSON document strictly (422 `malformed_json` naming the problem and where).
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw APIError.unprocessable("Malformed JSON body: \(error)", code: "malformed_json")
        }
    }

    // MARK: Content types

    /// `application/json`, `application/*+json` (any top-level type with a `+json` suffix).
    public static func isJSON(_ mediaType: String?) -> Bool {
        guard let mediaType else { return false }
        return mediaType == "application/json" || (mediaType.contains("/") && mediaType.hasSuffix("+json"))
    }

    /// `Application/JSON; charset=utf-8` → `application/json`.
    public static func mediaType(_ contentType: String) -> String {
        let type = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return type.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// True when the content type names no charset, or UTF-8.
    static func isUTF8Charset(_ contentType: String) -> Bool {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            }
            guard pair.count == 2, pair[0] == "charset" else { continue }
            let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            return value == "utf-8" || value == "utf8"
        }
        return true
    }

    // MARK: Errors

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, "Request body larger than \(limit) bytes", code: "payload_too_large")
    }

    static func unsupported(_ contentType: String?) -> APIError {
        APIError(
            .unsupportedMediaType,
            "Unsupported content type \(JSONText.quote(contentType ?? "")); expected application/json",
            code: "unsupported_media_type")
    }
}

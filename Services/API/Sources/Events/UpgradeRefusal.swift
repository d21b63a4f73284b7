import APISupport
import NIOCore
import NIOHTTP1

/// Turns a refused WebSocket upgrade into the API's error answer.
///
/// Hummingbird answers every refused upgrade with an empty `400`. When `/ws/events` refuses
/// one (no or bad token → 401, bad query → 400, database down → 503), this handler is put in the
/// connection's pipeline before the refusal is written, and replaces that answer with the
/// `APIError` (status, `{"detail","code"}` body, headers such as `WWW-Authenticate`).
final class UpgradeRefusal: ChannelOutboundHandler, RemovableChannelHandler, Sendable {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let status: HTTPResponseStatus
    private let headers: HTTPHeaders
    private let body: ByteBuffer

    init(_ error: APIError) {
        status = HTTPResponseStatus(statusCode: error.status.code)
        var headers = HTTPHeaders()
        for field in error.headers { headers.add(name: field.name.canonicalName, value: field.value) }
        body = ByteBuffer(string: "{\"detail\":\(JSONText.quote(error.detail)),\"code\":\(JSONText.quote(error.code))}")
        headers.replaceOrAdd(name: "content-type", value: "application/json")
        headers.replaceOrAdd(name: "connection", value: "close")
        headers.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
        self.headers = headers
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            head.status = status
            head.headers = headers
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: promise)
        case .body:
            promise?.succeed(())
        case .end:
            context.write(data, promise: promise)
        }
    }
}

import AgentClient
import Foundation

/// Posts one delivery; any HTTP answer is a response (the worker decides what it means).
protocol DeliveryTransport: Sendable {
    func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async throws -> (status: Int, body: String)
}

/// The libcurl client (its own thread; nothing blocks the cooperative pool).
struct CurlDeliveryTransport: DeliveryTransport {
    let http: CurlHTTPClient

    func post(url: String, headers: [(String, String)], body: [UInt8], timeout: Duration) async throws -> (status: Int, body: String) {
        let response = try await http.execute(HTTPRequest(
            method: "POST", url: url, headers: headers, body: body, timeout: timeout, connectTimeout: min(timeout, .seconds(5))))
        return (response.status, String(decoding: response.body.prefix(500), as: UTF8.self))
    }
}

import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small HTTP/1.1 server on 127.0.0.1 for the client tests.
///
/// Blocking POSIX sockets on dedicated threads (one accepting, one per
/// connection), so it never occupies Swift's cooperative pool and a slow
/// route holds only its own thread. Keep-alive is supported; routes:
///
/// - `/echo`: 200 with a JSON description of the request
/// - `/delay?ms=N`: waits N ms, then 200 `ok`
/// - `/status/N`: status N (`Retry-After: 7` on 429)
/// - `/big?bytes=N[&length=0]`: N bytes of `x`; `length=0` sends no
///   Content-Length and closes the connection to end the body
/// - `/close`: closes the connection without answering
/// - `/hold?ms=N`: answers after N ms unless the client hangs up first, which
///   ``abandonedHolds`` counts
/// - `/{behaviour}/api/task` and `/{behaviour}/health`: the agent protocol,
///   see ``agentTask(behaviour:request:)``
final class TestHTTPServer: Sendable {
    struct Request: Sendable {
        var method: String
        var target: String
        var headers: [(String, String)]
        var body: [UInt8]

        var path: String { String(target.split(separator: "?", maxSplits: 1).first ?? "") }

        func query(_ name: String) -> String? {
            guard let query = target.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
            for pair in query.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.first.map(String.init) == name {
                    return parts.count > 1 ? String(parts[1]) : ""
                }
            }
            return nil
        }

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    private struct Response {
        var status: Int
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        var sendContentLength = true
        var closeAfter = false
    }

    /// Sockets are shut down and closed only under this lock, so `stop()`
    /// never touches a descriptor number the kernel has already reused.
    private struct State {
        var requests: [Request] = []
        var connections: Set<Int32> = []
        var stopped = false
        var listenerOpen = true
        /// `/hold` requests whose client hung up before the hold ended.
        var abandonedHolds = 0
    }

    let port: Int
    private let listener: Int32
    private let state = Mutex(State())

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError("socket: \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 1024) == 0 else {
            close(fd)
            throw ServerError("bind/listen: \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            close(fd)
            throw ServerError("getsockname: \(errno)")
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "test-http-accept"
        thread.start()
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    var requests: [Request] {
        state.withLock { $0.requests }
    }

    /// How many `/hold` requests the client abandoned by closing the connection.
    var abandonedHolds: Int {
        state.withLock { $0.abandonedHolds }
    }

    /// Stops accepting and drops every open connection.
    func stop() {
        state.withLock { state in
            state.stopped = true
            if state.listenerOpen {
                shutdown(listener, Int32(SHUT_RDWR))  // wakes the blocked accept()
            }
            for fd in state.connections {
                shutdown(fd, Int32(SHUT_RDWR))
            }
        }
    }

    /// A port on which nothing listens (bound, then closed again).
    static func closedPort() throws -> Int {
        let server = try TestHTTPServer()
        server.stop()
        return server.port
    }

    // MARK: Threads

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                break
            }
            let accepted = state.withLock { state -> Bool in
                guard !state.stopped else { return false }
                state.connections.insert(fd)
                return true
            }
            guard accepted else {
                close(fd)
                break
            }
            let thread = Thread { [self] in serve(fd) }
            thread.name = "test-http-conn"
            thread.start()
        }
        state.withLock { state in
            state.listenerOpen = false
            close(listener)
        }
    }

    private func serve(_ fd: Int32) {
        var reader = RequestReader(fd: fd)
        while let request = reader.next() {
            state.withLock { $0.requests.append(request) }
            if request.path == "/hold" || request.path.hasPrefix("/slow/") {
                // Waits for the client to hang up, which is how an aborted transfer looks from here.
                let milliseconds = request.query("ms").flatMap { Int($0) } ?? 20_000
                if waitForHangUp(fd, milliseconds: milliseconds) {
                    state.withLock { $0.abandonedHolds += 1 }
                    break
                }
            }
            guard let response = respond(to: request) else { break }  // /close
            guard write(response, to: fd), !response.closeAfter else { break }
        }
        state.withLock { state in
            state.connections.remove(fd)
            close(fd)
        }
    }

    /// True when the peer closed the connection within `milliseconds`.
    private func waitForHangUp(_ fd: Int32, milliseconds: Int) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(milliseconds))
        guard ready > 0 else { return false }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK)) <= 0
    }

    // MARK: Routes

    private func respond(to request: Request) -> Response? {
        let path = request.path
        if path == "/echo" {
            return echo(request)
        }
        if path == "/delay" {
            let milliseconds = request.query("ms").flatMap { Int($0) } ?? 0
            Thread.sleep(forTimeInterval: Double(milliseconds) / 1000)
            return Response(status: 200, body: Array("ok".utf8))
        }
        if path.hasPrefix("/status/"), let status = Int(path.dropFirst("/status/".count)) {
            var response = Response(status: status, body: Array("status \(status) body".utf8))
            if status == 429 {
                response.headers.append(("Retry-After", "7"))
            }
            return response
        }
        if path == "/big" {
            let count = request.query("bytes").flatMap { Int($0) } ?? 0
            let withLength = request.query("length") != "0"
            return Response(
                status: 200,
                body: [UInt8](repeating: UInt8(ascii: "x"), count: count),
                sendContentLength: withLength,
                closeAfter: !withLength
            )
        }
        if path == "/close" {
            return nil
        }
        if path == "/hold" {
            return Response(status: 200, body: Array("held".utf8))
        }
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        if components.count == 3, components[1] == "api", components[2] == "task" {
            return agentTask(behaviour: String(components[0]), request: request)
        }
        if components.count == 2, components[1] == "health" {
            return Response(status: components[0] == "ok" ? 200 : 503, body: Array("{}".utf8))
        }
        return Response(status: 404, body: Array("no route for \(path)".utf8))
    }

    private func echo(_ request: Request) -> Response {
        var headers: [String: String] = [:]
        for (name, value) in request.headers {
            headers[name.lowercased()] = value
        }
        let object: [String: Any] = [
            "method": request.method,
            "target": request.target,
            "headers": headers,
            "body": String(decoding: request.body, as: UTF8.self),
        ]
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Response(status: 200, headers: [("Content-Type", "application/json"), ("X-Test-Server", "yes")], body: [UInt8](body))
    }

    /// `ok` answers like a real agent (echoing `message`), `busy` 429 with
    /// `Retry-After: 12`, `down` 503, `garbage` a 200 that is not JSON,
    /// `missing` a 200 without `response`, `slow` answers like `ok` after 20 s
    /// unless the client hangs up first (see `/hold`).
    private func agentTask(behaviour: String, request: Request) -> Response {
        let json = [("Content-Type", "application/json")]
        switch behaviour {
        case "ok", "slow":
            let sent = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any]
            let message = sent?["message"] as? String ?? "?"
            let body = """
                {"response": "done: \(message)", "execution_log": [{"step": 1, "tool": "search"}],
                 "metadata": {"cost_usd": 0.0123, "duration_ms": 4567, "num_turns": 3, "tool_count": 2,
                              "input_tokens": 1200, "output_tokens": 340, "context_window": 200000},
                 "session_id": "sess-42", "timestamp": "2024-03-10T07:30:00Z"}
                """
            return Response(status: 200, headers: json, body: Array(body.utf8))
        case "busy":
            return Response(status: 429, headers: json + [("Retry-After", "12")], body: Array(#"{"detail": "busy"}"#.utf8))
        case "down":
            return Response(status: 503, headers: [("Content-Type", "text/plain")], body: Array("overloaded\nplease retry".utf8))
        case "garbage":
            return Response(status: 200, headers: json, body: Array("this is {not json".utf8))
        case "missing":
            return Response(status: 200, headers: json, body: Array(#"{"metadata": {"cost_usd": 1}}"#.utf8))
        default:
            return Response(status: 404, body: Array("unknown agent behaviour".utf8))
        }
    }

    // MARK: Wire format

    private func write(_ response: Response, to fd: Int32) -> Bool {
        var head = "HTTP/1.1 \(response.status) \(reason(response.status))\r\n"
        for (name, value) in response.headers {
            head += "\(name): \(value)\r\n"
        }
        if response.sendContentLength {
            head += "Content-Length: \(response.body.count)\r\n"
        }
        if response.closeAfter {
            head += "Connection: close\r\n"
        }
        head += "\r\n"
        return sendAll(Array(head.utf8), fd) && sendAll(response.body, fd)
    }

    private func sendAll(_ bytes: [UInt8], _ fd: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { buffer in
                send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0, errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    private func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 404: "Not Found"
        case 429: "Too Many Requests"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

struct ServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Reads HTTP/1.1 requests (headers plus a Content-Length body) off a socket.
private struct RequestReader {
    let fd: Int32
    var buffer: [UInt8] = []

    init(fd: Int32) {
        self.fd = fd
    }

    /// The next request, or nil at end of stream or on a malformed request.
    mutating func next() -> TestHTTPServer.Request? {
        let terminator: [UInt8] = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        while true {
            if let end = find(terminator) {
                headerEnd = end
                break
            }
            guard fill() else { return nil }
        }
        guard let headerEnd else { return nil }
        let head = String(decoding: buffer[..<headerEnd], as: UTF8.self)
        buffer.removeFirst(headerEnd + terminator.count)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((
                String(line[..<colon]).trimmingCharacters(in: .whitespaces),
                String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            ))
        }
        let length = headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) } ?? 0
        while buffer.count < length {
            guard fill() else { return nil }
        }
        let body = Array(buffer[..<length])
        buffer.removeFirst(length)
        return TestHTTPServer.Request(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard buffer.count >= needle.count else { return nil }
        for start in 0...(buffer.count - needle.count) where buffer[start..<start + needle.count].elementsEqual(needle) {
            return start
        }
        return nil
    }

    private mutating func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            buffer.append(contentsOf: chunk[..<count])
            return true
        }
    }
}

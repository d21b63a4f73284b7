import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP proxy the tests can cut and restore, to play "the server went away"
/// for Postgres or Redis without stopping the shared test servers.
/// `down()` closes the listener and every proxied connection; `up()` listens again on the
/// same port. Threads only (accept loop + one pump per direction); never the cooperative pool.
final class TCPProxy: Sendable {
    let port: UInt16
    private let targetPort: UInt16
    private let state = Mutex(State())

    private struct State {
        var listener: Int32 = -1
        var sockets: Set<Int32> = []
        var generation = 0
    }

    init(targetPort: UInt16) throws {
        self.targetPort = targetPort
        let probe = try Self.listen(port: 0)
        port = Self.boundPort(probe)
        close(probe)
        try up()
    }

    deinit { down() }

    func up() throws {
        let fd = try Self.listen(port: port)
        let generation = state.withLock { state -> Int in
            state.listener = fd
            state.generation += 1
            return state.generation
        }
        let thread = Thread { [self] in acceptLoop(fd, generation: generation) }
        thread.start()
    }

    func down() {
        let (listener, sockets) = state.withLock { state -> (Int32, Set<Int32>) in
            defer { state.listener = -1; state.sockets = [] }
            return (state.listener, state.sockets)
        }
        if listener >= 0 { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }
        for fd in sockets { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop(_ listener: Int32, generation: Int) {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            guard let upstream = try? Self.connect(port: targetPort) else { close(client); continue }
            let accepted = state.withLock { state -> Bool in
                guard state.generation == generation, state.listener == listener else { return false }
                state.sockets.insert(client)
                state.sockets.insert(upstream)
                return true
            }
            guard accepted else { close(client); close(upstream); return }
            Thread { [self] in pump(from: client, to: upstream) }.start()
            Thread { [self] in pump(from: upstream, to: client) }.start()
        }
    }

    private func pump(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            var sent = 0
            while sent < count {
                let n = buffer.withUnsafeBytes { send(destination, $0.baseAddress! + sent, count - sent, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { break }
                sent += n
            }
            if sent < count { break }
        }
        shutdown(source, Int32(SHUT_RDWR))
        shutdown(destination, Int32(SHUT_RDWR))
        let last = state.withLock { state -> Bool in
            state.sockets.remove(source)
            return state.sockets.remove(destination) == nil
        }
        // The second pump of a pair closes both descriptors.
        if last { close(source); close(destination) }
    }

    private static func listen(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ProxyError(message: "socket failed") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 128) == 0 else {
            close(fd)
            throw ProxyError(message: "cannot listen on 127.0.0.1:\(port): errno \(errno)")
        }
        return fd
    }

    private static func connect(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw ProxyError(message: "cannot connect to 127.0.0.1:\(port)")
        }
        return fd
    }

    private static func boundPort(_ fd: Int32) -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    struct ProxyError: Error { var message: String }
}

import Foundation
import Redis

/// A private `redis-server` on a free loopback port that a test may kill and start again on the
/// same port (like Tests/RedisTests/RedisServerProcess). Killed in deinit.
final class PrivateRedisServer: @unchecked Sendable {
    let port: Int
    private var process: Process?

    var url: String { "redis://127.0.0.1:\(port)/0" }

    private init(port: Int) { self.port = port }

    static func start() async throws -> PrivateRedisServer {
        var lastError: (any Error)?
        for _ in 0..<3 {
            let server = PrivateRedisServer(port: try freePort())
            do {
                try await server.launch()
                return server
            } catch {
                lastError = error
                server.kill()
            }
        }
        throw lastError ?? RedisError(.connectionFailed, "redis-server did not start")
    }

    /// SIGKILL, like a crash; waits until the process is gone.
    func kill() {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func restart() async throws {
        var lastError: (any Error)?
        for _ in 0..<50 {
            do {
                try await launch()
                return
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        throw lastError ?? RedisError(.connectionFailed, "redis-server did not restart")
    }

    deinit { kill() }

    private func launch() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        } ?? "/usr/bin/redis-server")
        process.arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no",
            "--dir", FileManager.default.temporaryDirectory.path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let probe = RedisClient(
            configuration: RedisConfiguration(host: "127.0.0.1", port: port, connectTimeout: .milliseconds(500), commandTimeout: .seconds(1)),
            connections: 1, backoff: RedisBackoff(initial: .milliseconds(5), maximum: .milliseconds(5)))
        defer { Task { await probe.shutdown() } }
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while true {
            guard process.isRunning else { throw RedisError(.connectionFailed, "redis-server exited at start on port \(port)") }
            do {
                try await probe.ping()
                return
            } catch {
                guard ContinuousClock.now < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RedisError(.connectionFailed, "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw RedisError(.connectionFailed, "bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

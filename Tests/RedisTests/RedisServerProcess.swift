import Foundation
import Redis

/// A private `redis-server` on a free loopback port, for tests that kill and
/// restart the server. Never touches the shared test server. Killed in deinit.
final class RedisServerProcess {
    let port: Int
    private let extraArguments: [String]
    private var process: Process?

    private init(port: Int, extraArguments: [String]) {
        self.port = port
        self.extraArguments = extraArguments
    }

    /// Starts a server and waits until it answers PING.
    static func start(extraArguments: [String] = []) async throws -> RedisServerProcess {
        var lastError: (any Error)?
        for _ in 0..<3 {  // a port picked as free may be taken before redis binds it
            let server = RedisServerProcess(port: try freeLoopbackPort(), extraArguments: extraArguments)
            do {
                try await server.launch()
                return server
            } catch {
                lastError = error
                server.kill()
            }
        }
        throw lastError ?? TestTimeout(description: "redis-server did not start")
    }

    func configuration(
        password: String? = nil,
        database: Int = 0,
        commandTimeout: Duration = .seconds(3)
    ) -> RedisConfiguration {
        RedisConfiguration(
            host: "127.0.0.1", port: port, password: password, database: database,
            connectTimeout: .seconds(1), commandTimeout: commandTimeout
        )
    }

    /// Starts the server again on the same port after `kill()`.
    func restart() async throws {
        try await eventually(timeout: .seconds(10), every: .milliseconds(100)) {
            try await launch()
        }
    }

    /// SIGKILL, like a crash: no goodbye to clients, sockets closed by the kernel.
    func kill() {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
    }

    func killAndWait() async throws {
        kill()
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while let process, process.isRunning {
            guard ContinuousClock.now < deadline else {
                throw TestTimeout(description: "redis-server \(port) did not exit")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    deinit {
        kill()
    }

    private func launch() async throws {
        let process = Process()
        process.executableURL = try Self.serverExecutable()
        process.arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--daemonize", "no", "--dir", FileManager.default.temporaryDirectory.path,
        ] + extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process

        // Ready when something answers on the port (AUTH errors count as answers).
        let probe = RedisConfiguration(host: "127.0.0.1", port: port, connectTimeout: .milliseconds(500), commandTimeout: .seconds(1))
        let client = RedisClient(configuration: probe, connections: 1, backoff: RedisBackoff(initial: .milliseconds(1), maximum: .milliseconds(1)))
        let outcome = await Self.waitUntilAnswering(client, process: process, port: port)
        await client.shutdown()
        try outcome.get()
    }

    private static func waitUntilAnswering(_ client: RedisClient, process: Process, port: Int) async -> Result<Void, any Error> {
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while true {
            guard process.isRunning else {
                return .failure(TestTimeout(description: "redis-server exited at start on port \(port) (status \(process.terminationStatus))"))
            }
            do {
                try await client.ping()
                return .success(())
            } catch let error as RedisError where error.code == .server {
                return .success(())  // e.g. NOAUTH: it is up
            } catch {
                guard ContinuousClock.now < deadline else {
                    return .failure(TestTimeout(description: "redis-server on \(port) not ready: \(error)"))
                }
                do {
                    try await Task.sleep(for: .milliseconds(20))
                } catch {
                    return .failure(error)
                }
            }
        }
    }

    private static func serverExecutable() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin", "/usr/sbin"]
        for directory in directories {
            let candidate = URL(fileURLWithPath: directory).appendingPathComponent("redis-server")
            if FileManager.default.isExecutableFile(atPath: candidate.path) {
                return candidate
            }
        }
        throw TestTimeout(description: "redis-server not found in PATH (apt-get install redis-server)")
    }

    /// Binds port 0 on 127.0.0.1 and returns what the kernel picked.
    static func freeLoopbackPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestTimeout(description: "socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw TestTimeout(description: "bind to a free port failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

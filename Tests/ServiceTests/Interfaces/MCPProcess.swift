import Foundation
import SystemPackage

/// The built `sundial-mcp` running on stdio, its standard input and output as pipes for the
/// SDK's `StdioTransport`, its standard error in a file.
final class MCPProcess {
    private let process = Process()
    private let toServer = Pipe()
    private let fromServer = Pipe()
    private let stderrURL: URL
    private let exits: AsyncStream<Int32>

    /// What the client writes to (the server's standard input).
    var input: FileDescriptor { FileDescriptor(rawValue: toServer.fileHandleForWriting.fileDescriptor) }
    /// What the client reads from (the server's standard output).
    var output: FileDescriptor { FileDescriptor(rawValue: fromServer.fileHandleForReading.fileDescriptor) }

    private init(apiURL: String, key: String) throws {
        stderrURL = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-mcp-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = try BuiltProduct.url("sundial-mcp")
        process.arguments = ["stdio"]
        process.environment = ["SUNDIAL_API_URL": apiURL, "SUNDIAL_API_KEY": key, "SUNDIAL_LOG_LEVEL": "warning", "PATH": "/usr/bin:/bin"]
        process.standardInput = toServer
        process.standardOutput = fromServer
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        exits = stream
        process.terminationHandler = { finished in
            continuation.yield(finished.terminationStatus)
            continuation.finish()
        }
    }

    static func start(apiURL: String, key: String) throws -> MCPProcess {
        let server = try MCPProcess(apiURL: apiURL, key: key)
        try server.process.run()
        return server
    }

    func stop() {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: stderrURL)
    }

    /// The exit status and standard error, once it has exited (killed after `timeout`).
    func waitForExit(timeout: Duration) async throws -> (status: Int32, stderr: String) {
        let pid = process.processIdentifier
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            kill(pid, SIGKILL)
        }
        var status: Int32 = -1
        for await code in exits { status = code }
        watchdog.cancel()
        return (status, String(decoding: (try? Data(contentsOf: stderrURL)) ?? Data(), as: UTF8.self))
    }
}

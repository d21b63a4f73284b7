import Foundation

/// Runs the built `sundial` binary like a person would, with `HOME` and `XDG_CONFIG_HOME` in a
/// temporary directory and none of the caller's SUNDIAL_* variables.
struct CLIProcess {
    struct Result: CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }

        var json: Any? { try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var array: [[String: Any]] { json as? [[String: Any]] ?? [] }
    }

    let binary: URL
    let home: URL
    var environment: [String: String] = [:]

    static func make(_ product: String = "sundial") throws -> CLIProcess {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        return CLIProcess(binary: try BuiltProduct.url(product), home: home)
    }

    var configDirectory: URL { home.appendingPathComponent("config/sundial") }
    var credentialsFile: URL { configDirectory.appendingPathComponent("credentials.json") }

    func cleanUp() {
        try? FileManager.default.removeItem(at: home)
    }

    func run(_ arguments: [String], stdin: String? = nil, timeout: Duration = .seconds(60)) async throws -> Result {
        let id = UUID().uuidString
        let outURL = home.appendingPathComponent("out-\(id)")
        let errURL = home.appendingPathComponent("err-\(id)")
        let inURL = home.appendingPathComponent("in-\(id)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: inURL.path, contents: Data((stdin ?? "").utf8))
        defer { for url in [outURL, errURL, inURL] { try? FileManager.default.removeItem(at: url) } }

        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = ["HOME": home.path, "XDG_CONFIG_HOME": home.appendingPathComponent("config").path, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        process.standardInput = try FileHandle(forReadingFrom: inURL)
        let (exits, exited) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished in
            exited.yield(finished.terminationStatus)
            exited.finish()
        }
        try process.run()
        let pid = process.processIdentifier
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            kill(pid, SIGKILL)
        }
        var status: Int32 = -1
        for await code in exits { status = code }
        watchdog.cancel()
        return Result(
            status: status,
            stdout: String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self),
            stderr: String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self))
    }
}

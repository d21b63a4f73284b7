import EventStreamClient
import Foundation
import Logging

/// `sundial-events --url http://127.0.0.1:8080 --token … [--agents a,b] [--since N]`: prints every
/// event of `/ws/events` as one JSON line on stdout, reconnecting and resuming after the last
/// event id printed; connection status goes to stderr.
struct Arguments {
    var url = ProcessInfo.processInfo.environment["SUNDIAL_API_URL"] ?? "http://127.0.0.1:8080"
    var token = ProcessInfo.processInfo.environment["SUNDIAL_TOKEN"]
    var agents: [String] = []
    var since: Int?
    var quiet = false

    static let usage = """
        usage: sundial-events [--url URL] [--token TOKEN] [--agents a,b] [--since EVENT_ID] [--quiet]
          --url     API address (default $SUNDIAL_API_URL or http://127.0.0.1:8080)
          --token   JWT or API key (default $SUNDIAL_TOKEN)
          --agents  only these agents' events
          --since   replay events after this id first
          --quiet   no connection status on stderr
        """

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let next = rest.popFirst(), !next.hasPrefix("--") else { throw UsageError("\(flag) needs a value") }
            return next
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--url": url = try value(flag)
            case "--token": token = try value(flag)
            case "--agents":
                agents = try value(flag).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            case "--since":
                let text = try value(flag)
                guard let number = Int(text), number >= 0 else { throw UsageError("--since: expected a non-negative event id, got \"\(text)\"") }
                since = number
            case "--quiet": quiet = true
            case "-h", "--help": throw UsageError(nil)
            default: throw UsageError("unknown argument \(flag)")
            }
        }
        guard token != nil else { throw UsageError("--token (or SUNDIAL_TOKEN) is required") }
    }
}

struct UsageError: Error {
    var message: String?
    init(_ message: String?) { self.message = message }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

let arguments: Arguments
do {
    arguments = try Arguments(Array(CommandLine.arguments.dropFirst()))
} catch let error as UsageError {
    if let message = error.message { printError("sundial-events: \(message)") }
    printError(Arguments.usage)
    exit(error.message == nil ? 0 : 2)
}

var logger = Logger(label: "sundial.events")
logger.logLevel = .critical
let quiet = arguments.quiet
let follower = EventStreamFollower(server: arguments.url, token: arguments.token, agents: arguments.agents, since: arguments.since, logger: logger)
do {
    try await follower.run(
        onStatus: { status in
            guard !quiet else { return }
            switch status {
            case .connected(let newest, let resumedAfter):
                printError("sundial-events: connected (newest event \(newest)\(resumedAfter.map { ", resuming after \($0)" } ?? ""))")
            case .disconnected(let reason, let retryIn):
                printError("sundial-events: \(reason); reconnecting in \(retryIn)")
            }
        },
        onEvent: { event in
            FileHandle.standardOutput.write(Data((event.json + "\n").utf8))
        })
} catch {
    printError("sundial-events: \(error)")
    exit(1)
}

import ArgumentParser
import Foundation
import SundialClient

/// Options every command that talks to the API takes.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON (the API's own objects) instead of a table, for scripts.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("The Sundial API URL (default: from `sundial login`, or SUNDIAL_API_URL).", valueName: "url"))
    var url: String?
}

/// Where a command gets its API client: `--url`, then `SUNDIAL_API_URL`/`SUNDIAL_TOKEN`, then
/// the credentials `sundial login` saved.
struct Session: Sendable {
    let client: SundialAPIClient
    let stored: StoredCredentials?

    static let defaultURL = "http://127.0.0.1:8080"

    /// The client with credentials; fails with "not logged in" when there are none.
    static func open(_ options: GlobalOptions, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Session {
        let stored = try CredentialStore(environment: environment).load()
        let envToken = environment["SUNDIAL_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        let url = options.url ?? environment["SUNDIAL_API_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? stored?.url ?? defaultURL
        let credential = envToken ?? stored?.credential
        if envToken == nil, let stored, let expires = stored.expiresAt, expires < nowText() {
            throw CLIFailure(.notAuthenticated, "the saved login for \(stored.url) expired at \(expires); run `sundial login` again")
        }
        return Session(client: try makeClient(url: url, credential: credential), stored: stored)
    }

    /// A client without credentials (login, public endpoints).
    static func anonymous(url: String) throws -> SundialAPIClient {
        try makeClient(url: url, credential: nil)
    }

    private static func makeClient(url: String, credential: String?) throws -> SundialAPIClient {
        do {
            return try SundialAPIClient(baseURL: url, credential: credential, http: SundialAPIClient.makeHTTPClient())
        } catch {
            throw CLIFailure(.rejected, "--url: \(error.detail)")
        }
    }

    private static func nowText() -> String {
        InstantText.now()
    }
}

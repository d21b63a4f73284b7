import ArgumentParser
import Foundation
import SundialClient

struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Log in to a Sundial API and remember the URL and token.",
        discussion: """
            Asks the API for a token (POST /token) with your username and password, checks it, and
            saves URL and token with 0600 permissions. The password is prompted for without echo,
            or read from standard input with --password-stdin. With --api-key-stdin an API key
            (POST /api/keys) is saved instead of a token; it does not expire.
            """)

    @Option(name: .long, help: ArgumentHelp("The API URL (default: SUNDIAL_API_URL, the last login's URL, or \(Session.defaultURL)).", valueName: "url"))
    var url: String?

    @Option(name: [.short, .long], help: "Username (prompted for when omitted).")
    var username: String?

    @Flag(name: .long, help: "Read the password from the first line of standard input.")
    var passwordStdin = false

    @Flag(name: .long, help: "Read an API key from standard input and save it instead of logging in with a password.")
    var apiKeyStdin = false

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        if apiKeyStdin, passwordStdin || username != nil {
            throw ValidationError("--api-key-stdin replaces --username/--password-stdin: give one or the other")
        }
    }

    func run() async throws {
        try await CLIRunner.run {
            let environment = ProcessInfo.processInfo.environment
            let store = CredentialStore(environment: environment)
            let previous = try? store.load()
            let target = url ?? environment["SUNDIAL_API_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? previous?.url ?? Session.defaultURL
            var client = try Session.anonymous(url: target)
            let saved: StoredCredentials
            if apiKeyStdin {
                guard let key = Terminal.readLine()?.trimmingCharacters(in: .whitespaces), !key.isEmpty else {
                    throw CLIFailure.rejected("--api-key-stdin: no key on standard input")
                }
                client.credential = key
                let me = try await client.me()
                saved = StoredCredentials(url: client.baseURL, credential: key, kind: .apiKey, username: me.username, expiresAt: nil)
            } else {
                let name = try username ?? Terminal.prompt("Username: ").flatMap { $0.isEmpty ? nil : $0 }
                    ?? { throw CLIFailure.rejected("--username: required (no terminal to ask on)") }()
                let password = try readPassword()
                let grant = try await client.login(username: name, password: password)
                client.credential = grant.accessToken
                let me = try await client.me()
                let expires = grant.expiresIn.map { InstantText.after(seconds: $0) }
                saved = StoredCredentials(url: client.baseURL, credential: grant.accessToken, kind: .token, username: me.username, expiresAt: expires)
            }
            try store.save(saved)
            if json {
                Terminal.out(JSONText.pretty([
                    "url": .string(saved.url), "username": .string(saved.username ?? ""), "kind": .string(saved.kind.rawValue),
                    "expires_at": saved.expiresAt.map { .string($0) } ?? .null, "credentials_file": .string(store.file.path),
                ]))
            } else {
                let until = saved.expiresAt.map { ", valid until \($0)" } ?? ""
                Terminal.out("Logged in to \(saved.url) as \(saved.username ?? "?")\(until); saved to \(store.file.path)")
            }
        }
    }

    private func readPassword() throws -> String {
        if passwordStdin {
            guard let line = Terminal.readLine(), !line.isEmpty else { throw CLIFailure.rejected("--password-stdin: no password on standard input") }
            return line
        }
        guard let password = Terminal.promptSecret("Password: ") else {
            throw CLIFailure.rejected("no password: use --password-stdin when standard input is not a terminal")
        }
        return password
    }
}

struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logout", abstract: "Forget the saved URL and token.")

    func run() async throws {
        try await CLIRunner.run {
            let store = CredentialStore()
            if try store.remove() {
                Terminal.out("Logged out (removed \(store.file.path))")
            } else {
                Terminal.out("Not logged in (no \(store.file.path))")
            }
        }
    }
}

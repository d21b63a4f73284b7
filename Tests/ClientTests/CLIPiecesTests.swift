import ArgumentParser
import Domain
import Foundation
import Testing
@testable import SundialCLI

@Suite("CLI pieces: credential file, tables, schedule options")
struct CLIPiecesTests {
    @Test("credentials go to $XDG_CONFIG_HOME/sundial (else ~/.config/sundial), directory 0700, file 0600, and load back")
    func credentialFile() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-cred-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(CredentialStore(environment: ["HOME": root.path]).directory.path == root.path + "/.config/sundial")
        let store = CredentialStore(environment: ["HOME": "/nowhere", "XDG_CONFIG_HOME": root.path])
        #expect(store.directory.path == root.path + "/sundial")
        #expect(try store.load() == nil)
        let saved = StoredCredentials(url: "http://127.0.0.1:1", credential: "secret", kind: .token, username: "admin", expiresAt: "2030-01-01T00:00:00Z")
        try store.save(saved)
        #expect(try store.load() == saved)
        let fileMode = try FileManager.default.attributesOfItem(atPath: store.file.path)[.posixPermissions] as? Int
        let directoryMode = try FileManager.default.attributesOfItem(atPath: store.directory.path)[.posixPermissions] as? Int
        #expect(fileMode == 0o600)
        #expect(directoryMode == 0o700)
        #expect(try store.remove())
        #expect(try store.load() == nil)
    }

    @Test("a corrupt credentials file is reported with its path")
    func corruptFile() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sundial-cred-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = CredentialStore(directory: root)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try Data("not json".utf8).write(to: store.file)
        #expect(throws: CLIFailure.self) { try store.load() }
    }

    @Test("tables pad columns, cut long cells and keep one line per row")
    func table() {
        var table = Table([.init("id"), .init("message", limit: 10)])
        table.add(["1", "short"])
        table.add(["22", "a message that is long\nand has two lines"])
        #expect(table.render() == """
            ID  MESSAGE
            1   short
            22  a message…
            """)
    }

    @Test("durations", arguments: [("900", 900), ("90s", 90), ("15m", 900), ("2h", 7200), ("1d", 86_400), ("x", nil), ("5w", nil)])
    func durations(text: String, seconds: Int?) {
        #expect(InstantText.seconds(text) == seconds)
    }

    @Test("schedule options become the API's fields; a local --at is read in --tz; --set takes JSON or text")
    func scheduleOptions() throws {
        let options = try ScheduleFieldOptions.parse([
            "--name", "n", "--message", "hi", "--at", "2030-05-14T14:00", "--tz", "Europe/Berlin", "--context", #"{"a":[1]}"#,
            "--set", "max_retries=2", "--set", "overlap=queue", "--webhook", "https://hooks.example/x",
        ])
        let fields = try options.fields()
        #expect(fields["run_at"] == "2030-05-14T12:00:00Z")
        #expect(fields["timezone"] == "Europe/Berlin")
        #expect(fields["max_retries"] == 2)
        #expect(fields["overlap"] == "queue")
        #expect(fields["context"] == ["a": [1]])
        #expect(fields["destination"] == ["kind": "webhook", "url": "https://hooks.example/x"])
        #expect(try ScheduleFieldOptions.parse(["--every", "15m"]).fields()["interval_seconds"] == 900)
    }

    @Test("conflicting triggers and malformed values are refused before any request", arguments: [
        ["--cron", "* * * * *", "--every", "1h"], ["--every", "soon"], ["--context", "[1]"], ["--at", "next tuesday"], ["--set", "novalue"],
    ])
    func refusedOptions(arguments: [String]) throws {
        let options = try ScheduleFieldOptions.parse(arguments)
        #expect(throws: CLIFailure.self) { try options.fields() }
    }
}

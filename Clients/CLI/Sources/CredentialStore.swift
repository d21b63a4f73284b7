import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What `sundial login` keeps: the API URL and the token (or API key), in
/// `$XDG_CONFIG_HOME/sundial/credentials.json` (else `~/.config/sundial/…`), readable by the
/// user only (directory 0700, file 0600, written atomically).
struct StoredCredentials: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable {
        /// A JWT from `POST /token` (expires).
        case token
        /// An API key from `POST /api/keys`.
        case apiKey = "api_key"
    }

    var url: String
    var credential: String
    var kind: Kind
    var username: String?
    /// ISO instant after which a token is no longer valid.
    var expiresAt: String?

    enum CodingKeys: String, CodingKey {
        case url, credential, kind, username
        case expiresAt = "expires_at"
    }
}

struct CredentialStore: Sendable {
    let directory: URL
    var file: URL { directory.appendingPathComponent("credentials.json") }

    /// The store of the given environment (`XDG_CONFIG_HOME`, `HOME`).
    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            directory = URL(fileURLWithPath: xdg).appendingPathComponent("sundial")
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            directory = URL(fileURLWithPath: home).appendingPathComponent(".config").appendingPathComponent("sundial")
        }
    }

    init(directory: URL) {
        self.directory = directory
    }

    /// The saved credentials; nil when there are none.
    func load() throws(CLIFailure) -> StoredCredentials? {
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        do {
            return try JSONDecoder().decode(StoredCredentials.self, from: data)
        } catch {
            throw CLIFailure(.failure, "\(file.path) is not readable credentials (\(error)); run `sundial login` again")
        }
    }

    func save(_ credentials: StoredCredentials) throws(CLIFailure) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(credentials) else { throw CLIFailure(.failure, "cannot encode credentials") }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CLIFailure(.failure, "cannot create \(directory.path): \(error.localizedDescription)")
        }
        chmod(directory.path, 0o700)
        try writeAtomically(data, to: file)
    }

    /// Removes saved credentials; false when there were none.
    @discardableResult
    func remove() throws(CLIFailure) -> Bool {
        guard FileManager.default.fileExists(atPath: file.path) else { return false }
        do {
            try FileManager.default.removeItem(at: file)
        } catch {
            throw CLIFailure(.failure, "cannot remove \(file.path): \(error.localizedDescription)")
        }
        return true
    }

    /// Writes a new file created 0600 (never briefly readable by others), then renames it over the old one.
    private func writeAtomically(_ data: Data, to url: URL) throws(CLIFailure) {
        let temporary = url.path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CLIFailure(.failure, "cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == data.count, synced, rename(temporary, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CLIFailure(.failure, "cannot write \(url.path): \(reason)")
        }
        chmod(url.path, 0o600)
    }
}

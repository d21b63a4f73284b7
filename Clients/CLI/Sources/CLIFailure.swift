import ArgumentParser
import SundialClient

/// A command that did not succeed: the message printed as `sundial: …` on standard error and
/// the exit status, one per kind of failure so scripts can tell them apart (README table).
struct CLIFailure: Error, Sendable, Equatable {
    enum Status: Int32, Sendable {
        /// Anything else (the API failed, an unexpected answer).
        case failure = 1
        /// Not logged in, or the API refused the stored credentials (401).
        case notAuthenticated = 2
        /// Logged in but not allowed (403).
        case forbidden = 3
        /// The agent, schedule or run does not exist or is not visible (404).
        case notFound = 4
        /// A value was refused: by the API (400, 409, 413, 422; its detail shown verbatim) or here.
        case rejected = 5
        /// The API cannot be reached, or is unavailable (503, 429, timeout).
        case unavailable = 6
    }

    var status: Status
    var message: String

    init(_ status: Status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// The failure for an API client error, with a hint on what to do.
    init(_ error: SundialClientError) {
        switch error.kind {
        case .notLoggedIn:
            self.init(.notAuthenticated, "not logged in: run `sundial login --url http://HOST:PORT` (or set SUNDIAL_TOKEN)")
        case .unauthorized:
            self.init(.notAuthenticated, "the API refused the credentials (\(error)); run `sundial login` again")
        case .forbidden:
            self.init(.forbidden, "\(error)")
        case .notFound:
            self.init(.notFound, "\(error)")
        case .invalidInput, .conflict:
            self.init(.rejected, "\(error)")
        case .unavailable:
            self.init(.unavailable, "\(error)")
        case .server, .invalidResponse:
            self.init(.failure, "\(error)")
        }
    }

    static func rejected(_ message: String) -> CLIFailure { CLIFailure(.rejected, message) }
}

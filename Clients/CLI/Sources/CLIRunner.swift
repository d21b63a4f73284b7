import ArgumentParser
import Foundation
import SundialClient

/// Runs a command body and turns its failure into `sundial: message` on standard error and
/// the failure's exit status.
enum CLIRunner {
    static func run(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let failure as CLIFailure {
            throw report(failure)
        } catch let error as SundialClientError {
            throw report(CLIFailure(error))
        }
    }

    private static func report(_ failure: CLIFailure) -> ExitCode {
        Terminal.err("sundial: \(failure.message)")
        return ExitCode(failure.status.rawValue)
    }
}

import Foundation

/// Prints `program: configuration error: message` as one line on standard error and exits
/// with status 2. Used by the executables when configuration is invalid, before logging is set up.
public func exitWithConfigurationError(program: String, _ error: any Error) -> Never {
    FileHandle.standardError.write(Data("\(program): configuration error: \(error)\n".utf8))
    exit(2)
}

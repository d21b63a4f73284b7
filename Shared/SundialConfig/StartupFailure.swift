import Foundation

/// Prints `program: configuration error: message` as one line on standard error and exits
/// with status 2. Used by the executables when configuration is invalid, before logging is set up.
public func exitWithConfigurationError(program: String, _ error: any Error) -> Never {
    FileHandle.standardError.write(Data("\(program): configuration error: \(error)\n".utf8))
    exit(2)
}

/// Prints `program: error` as one line on standard error and exits with status 1
/// (a dependency that never became reachable, a port already in use…).
public func exitWithStartupError(program: String, _ error: any Error) -> Never {
    FileHandle.standardError.write(Data("\(program): \(error)\n".utf8))
    exit(1)
}

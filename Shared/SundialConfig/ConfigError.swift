/// A configuration value that cannot be used. Its description is the one line a
/// service prints before it exits: `SUNDIAL_HTTP_PORT: expected an integer in 1...65535, got "80a"`.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public var variable: String
    public var message: String

    public init(variable: String, message: String) {
        self.variable = variable
        self.message = message
    }

    public var description: String { "\(variable): \(message)" }
}

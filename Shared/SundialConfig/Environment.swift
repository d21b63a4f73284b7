import Foundation

/// Typed, validated access to environment variables. Every accessor names the
/// variable in its error, so a bad value stops a service with one clear line.
public struct Environment: Sendable {
    public var values: [String: String]

    public init(_ values: [String: String]) {
        self.values = values
    }

    /// The process environment.
    public static var process: Environment { Environment(ProcessInfo.processInfo.environment) }

    /// The raw value, with surrounding blanks removed; empty counts as unset.
    public func raw(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            return nil
        }
        return value
    }

    public func string(_ name: String, default defaultValue: String) -> String {
        raw(name) ?? defaultValue
    }

    public func int(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let text = raw(name) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigError(variable: name, message: "expected an integer in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
        }
        return value
    }

    public func double(_ name: String, default defaultValue: Double, range: ClosedRange<Double>) throws(ConfigError) -> Double {
        guard let text = raw(name) else { return defaultValue }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw ConfigError(variable: name, message: "expected a number in \(range.lowerBound)...\(range.upperBound), got \"\(text)\"")
        }
        return value
    }

    /// Seconds, written as a plain number (`60`) or with a unit (`500ms`, `60s`, `5m`, `1h`).
    public func seconds(_ name: String, default defaultValue: Double, range: ClosedRange<Double>) throws(ConfigError) -> Double {
        guard let text = raw(name) else { return defaultValue }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var number = text
        var factor = 1.0
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            number = String(text.dropLast(suffix.count))
            factor = scale
            break
        }
        guard let value = Double(number).map({ $0 * factor }), value.isFinite, range.contains(value) else {
            throw ConfigError(
                variable: name,
                message: "expected a duration in seconds (e.g. 60, 500ms, 5m) between \(range.lowerBound)s and \(range.upperBound)s, got \"\(text)\""
            )
        }
        return value
    }

    public func bool(_ name: String, default defaultValue: Bool) throws(ConfigError) -> Bool {
        guard let text = raw(name)?.lowercased() else { return defaultValue }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigError(variable: name, message: "expected true or false, got \"\(text)\"")
        }
    }

    public func choice<T: RawRepresentable & CaseIterable>(_ name: String, default defaultValue: T) throws(ConfigError) -> T
    where T.RawValue == String {
        guard let text = raw(name) else { return defaultValue }
        guard let value = T(rawValue: text.lowercased()) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigError(variable: name, message: "expected one of \(allowed), got \"\(text)\"")
        }
        return value
    }

    /// A URL whose scheme is one of `schemes` and which names a host.
    public func url(_ name: String, default defaultValue: String, schemes: Set<String>) throws(ConfigError) -> String {
        let text = raw(name) ?? defaultValue
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              schemes.contains(scheme), let host = components.host, !host.isEmpty
        else {
            let expected = schemes.sorted().map { "\($0)://" }.joined(separator: " or ")
            throw ConfigError(variable: name, message: "expected a \(expected) URL with a host, got \"\(Self.redacted(text))\"")
        }
        return text
    }

    /// The text with any `user:password@` part hidden, for error messages.
    static func redacted(_ text: String) -> String {
        guard let at = text.firstIndex(of: "@"), let schemeEnd = text.range(of: "://") else { return text }
        guard schemeEnd.upperBound <= at else { return text }
        return String(text[..<schemeEnd.upperBound]) + "***" + String(text[at...])
    }
}

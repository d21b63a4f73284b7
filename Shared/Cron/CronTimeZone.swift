import Foundation

/// Strict IANA time zone lookup.
///
/// `TimeZone(identifier:)` on Linux also accepts abbreviations and offsets
/// (`EST`, `PST`, `GMT+5`), which are not IANA zone names; only identifiers
/// in `TimeZone.knownTimeZoneIdentifiers`, plus `UTC` and `Etc/UTC`, are
/// accepted here.
public enum CronTimeZone {
    /// Every accepted identifier.
    public static let knownIdentifiers: Set<String> = Set(TimeZone.knownTimeZoneIdentifiers).union(["UTC", "Etc/UTC"])

    public static func resolve(_ identifier: String) throws(CronError) -> TimeZone {
        guard knownIdentifiers.contains(identifier), let zone = TimeZone(identifier: identifier) else {
            throw CronError(
                field: "timezone", token: identifier,
                message: "timezone: unknown time zone \"\(identifier)\"", kind: .invalidTimeZone
            )
        }
        return zone
    }
}

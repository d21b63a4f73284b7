public import Foundation

/// Strict IANA time zone lookup.
///
/// `TimeZone(identifier:)` on Linux also accepts abbreviations, offsets and
/// legacy names (`EST`, `PST`, `GMT+5`, `Japan`, `US/Eastern`), which are not
/// IANA `Area/Location` zone names. Accepted here: the identifiers in
/// `TimeZone.knownTimeZoneIdentifiers`, `UTC`, `Etc/UTC`, and any other
/// `Area/Location` name with an IANA area that Foundation resolves. The last
/// rule is needed because the toolchain's list is CLDR-based and lacks some
/// IANA names (notably `Asia/Kolkata`, listed only as `Asia/Calcutta`).
public enum CronTimeZone {
    /// Foundation's list plus `UTC` and `Etc/UTC`.
    public static let knownIdentifiers: Set<String> = Set(TimeZone.knownTimeZoneIdentifiers).union(["UTC", "Etc/UTC"])

    /// The areas (first path component) of IANA zone names.
    static let areas: Set<Substring> = [
        "Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific", "Etc",
    ]

    public static func resolve(_ identifier: String) throws(CronError) -> TimeZone {
        guard isIANAName(identifier), let zone = TimeZone(identifier: identifier) else {
            throw CronError(
                field: "timezone", token: identifier,
                message: "timezone: unknown time zone \"\(identifier)\"", kind: .invalidTimeZone
            )
        }
        return zone
    }

    private static func isIANAName(_ identifier: String) -> Bool {
        if knownIdentifiers.contains(identifier) { return true }
        let parts = identifier.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 2, areas.contains(parts[0]) else { return false }
        return parts.dropFirst().allSatisfy { part in
            !part.isEmpty && part.utf8.allSatisfy { byte in
                (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
            }
        }
    }
}

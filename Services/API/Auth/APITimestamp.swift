import Foundation

/// Instants in responses: ISO-8601 UTC with milliseconds and `Z`
/// (`2024-03-10T07:30:00.123Z`), always 24 characters, so they sort as text.
public enum APITimestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    public static func string(_ date: Date) -> String {
        style.format(date)
    }
}

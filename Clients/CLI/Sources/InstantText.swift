import Cron
import Foundation

/// Instants as the CLI prints them: the API's ISO UTC text, and durations.
enum InstantText {
    static func now() -> String {
        InstantFormat.string(Date())
    }

    static func after(seconds: Int) -> String {
        InstantFormat.string(Date().addingTimeInterval(Double(seconds)))
    }

    /// `2024-03-10T07:30:00Z` → `2024-03-10 07:30:00Z` (shorter in tables); `-` for nil.
    static func short(_ text: String?) -> String {
        guard let text, let date = InstantFormat.parse(text) else { return text ?? "-" }
        return InstantFormat.string(date).replacingOccurrences(of: "T", with: " ")
    }

    /// `850ms`, `12.3s`, `4m05s`; `-` for nil.
    static func duration(milliseconds: Int?) -> String {
        guard let ms = milliseconds else { return "-" }
        if ms < 1000 { return "\(ms)ms" }
        if ms < 60_000 { return String(format: "%.1fs", Double(ms) / 1000) }
        let seconds = ms / 1000
        return "\(seconds / 60)m\(String(format: "%02d", seconds % 60))s"
    }

    /// `90`, `90s`, `15m`, `2h`, `1d` → seconds; nil when not a duration.
    static func seconds(_ text: String) -> Int? {
        let units: [(String, Int)] = [("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            return Int(text.dropLast()).map { $0 * scale }
        }
        return Int(text)
    }
}

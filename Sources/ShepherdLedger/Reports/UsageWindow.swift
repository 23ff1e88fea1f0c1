import Foundation

/// The `--since` of `shepherd usage` (and `?since=` of the admin route): a span back from now
/// (`30m`, `24h`, `7d`, `2w`) or a point in time (`2025-06-01`, `2025-06-01T12:00:00Z`).
public enum UsageWindow {
    /// The start time, or nil when the text is neither form.
    public static func since(_ text: String, now: Date = Date()) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let span = span(trimmed) { return now.addingTimeInterval(-span) }
        return date(trimmed)
    }

    /// The message for a value `since(_:)` refused, in one line.
    public static func explain(_ text: String) -> String {
        "--since must be a span like 30m, 24h, 7d or 2w, or a date like 2025-06-01 or 2025-06-01T12:00:00Z; got '\(text)'"
    }

    static func span(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let count = Int(text.dropLast()), count >= 0 else { return nil }
        let seconds: Int
        switch unit {
        case "m": seconds = 60
        case "h": seconds = 3_600
        case "d": seconds = 86_400
        case "w": seconds = 604_800
        default: return nil
        }
        let (total, overflow) = count.multipliedReportingOverflow(by: seconds)
        return overflow ? nil : TimeInterval(total)
    }

    static func date(_ text: String) -> Date? {
        let full = ISO8601DateFormatter()
        if let date = full.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: text) { return date }
        // A bare date is midnight UTC, the same days the ledger groups by.
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        day.timeZone = TimeZone(identifier: "UTC")
        return text.count == 10 ? day.date(from: text) : nil
    }
}

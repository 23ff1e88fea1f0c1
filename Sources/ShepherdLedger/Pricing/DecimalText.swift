import Foundation

/// Exact decimal text in and out. Money crosses every boundary (catalog, SQLite, PostgreSQL,
/// JSON, CSV) as text so that no binary floating point ever touches it.
enum DecimalText {
    static let posix = Locale(identifier: "en_US_POSIX")

    static func parse(_ text: String) -> Decimal? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, let value = Decimal(string: trimmed, locale: posix), !value.isNaN else { return nil }
        return value
    }

    /// Plain digits, no exponent, no grouping: `0.000123`.
    static func format(_ value: Decimal) -> String {
        // Most rows' media seconds are zero; `description` converts digit by digit even then.
        value.isZero ? "0" : value.description
    }
}

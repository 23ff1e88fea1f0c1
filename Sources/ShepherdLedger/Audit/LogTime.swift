import Foundation

/// Log timestamps, parsed by hand: they are on every line, and `ISO8601DateFormatter` is both
/// slow and strict about the variants exporters write (`2025-06-01 12:00:00.123`, no zone).
enum LogTime {
    /// Seconds, milliseconds or microseconds since 1970, told apart by size (any of them is a
    /// date between 2001 and 2286 in exactly one unit).
    static func unix(_ value: Double) -> Double? {
        guard value.isFinite, value > 0 else { return nil }
        if value >= 1e15 { return value / 1e6 }
        if value >= 1e11 { return value / 1e3 }
        return value
    }

    /// `YYYY-MM-DD[T| ]hh:mm[:ss[.fff…]][Z|±hh:mm|±hhmm]`, a bare date, or a unix number as
    /// text. A missing zone means UTC.
    static func parse(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        if !bytes.isEmpty, bytes.allSatisfy({ isDigit($0) || $0 == UInt8(ascii: ".") }) {
            return Double(text).flatMap(unix)
        }
        var index = 0
        func number(_ width: Int) -> Int? {
            guard index + width <= bytes.count else { return nil }
            var value = 0
            for offset in 0..<width {
                let byte = bytes[index + offset]
                guard isDigit(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            index += width
            return value
        }
        func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = number(4), take(UInt8(ascii: "-")), let month = number(2), take(UInt8(ascii: "-")),
            let day = number(2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var seconds = Double(daysFromCivil(year: year, month: month, day: day)) * 86_400
        guard index < bytes.count else { return seconds }
        guard take(UInt8(ascii: "T")) || take(UInt8(ascii: " ")) || take(UInt8(ascii: "t")),
            let hour = number(2), take(UInt8(ascii: ":")), let minute = number(2), hour < 24, minute < 60
        else { return nil }
        seconds += Double(hour * 3600 + minute * 60)
        if take(UInt8(ascii: ":")) {
            guard let second = number(2), second <= 60 else { return nil }
            seconds += Double(second)
            if take(UInt8(ascii: ".")) || take(UInt8(ascii: ",")) {
                var scale = 0.1
                var digits = 0
                while index < bytes.count, isDigit(bytes[index]) {
                    seconds += Double(bytes[index] - 0x30) * scale
                    scale /= 10
                    index += 1
                    digits += 1
                }
                guard digits > 0 else { return nil }
            }
        }
        guard index < bytes.count else { return seconds }
        if take(UInt8(ascii: "Z")) || take(UInt8(ascii: "z")) { return index == bytes.count ? seconds : nil }
        let sign: Double
        if take(UInt8(ascii: "+")) { sign = 1 } else if take(UInt8(ascii: "-")) { sign = -1 } else { return nil }
        guard let zoneHours = number(2) else { return nil }
        _ = take(UInt8(ascii: ":"))
        let zoneMinutes = number(2) ?? 0
        guard index == bytes.count, zoneHours < 24, zoneMinutes < 60 else { return nil }
        return seconds - sign * Double(zoneHours * 3600 + zoneMinutes * 60)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

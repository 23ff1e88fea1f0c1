/// Bit set of the regex character classes a Unicode scalar belongs to, as tiktoken 0.14.0 sees
/// them. Both pre-tokenization patterns only ever ask these questions, so one byte per scalar
/// answers all of them.
enum ScalarClass {
    /// `\p{L}`
    static let letter: UInt8 = 1 << 0
    /// `\p{N}`
    static let number: UInt8 = 1 << 1
    /// `\p{M}`
    static let mark: UInt8 = 1 << 2
    /// `\s` (the White_Space property, 25 scalars)
    static let space: UInt8 = 1 << 3
    /// o200k_base's "upper" class `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`
    static let upper: UInt8 = 1 << 4
    /// o200k_base's "lower" class `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`
    static let lower: UInt8 = 1 << 5
    /// `\r` or `\n`
    static let newline: UInt8 = 1 << 6

    /// Classifies one scalar value. tiktoken's regex engine uses Unicode 16.0 tables while the
    /// Swift runtime ships newer ones, so scalars first assigned after 16.0 are treated as
    /// unassigned, and U+0295 keeps its 16.0 category (Ll).
    static func compute(_ value: UInt32) -> UInt8 {
        guard let scalar = Unicode.Scalar(value) else { return 0 }
        let properties = scalar.properties
        // Category first: it settles most scalars with one table lookup.
        let category = properties.generalCategory
        switch category {
        case .control, .spaceSeparator, .lineSeparator, .paragraphSeparator:
            guard properties.isWhitespace else { return 0 }
            return value == 0x0A || value == 0x0D ? space | newline : space
        case .unassigned, .privateUse, .surrogate, .format, .connectorPunctuation, .dashPunctuation,
            .openPunctuation, .closePunctuation, .initialPunctuation, .finalPunctuation, .otherPunctuation,
            .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return 0
        default:
            break
        }
        guard let age = properties.age, age.major <= 16 else { return 0 }
        if value == 0x0295 { return letter | lower }
        switch category {
        case .uppercaseLetter, .titlecaseLetter:
            return letter | upper
        case .lowercaseLetter:
            return letter | lower
        case .modifierLetter, .otherLetter:
            return letter | upper | lower
        case .nonspacingMark, .spacingMark, .enclosingMark:
            return mark | upper | lower
        case .decimalNumber, .letterNumber, .otherNumber:
            return number
        default:
            return 0
        }
    }
}

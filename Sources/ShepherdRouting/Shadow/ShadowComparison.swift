import Foundation
import ShepherdCore

/// How a candidate's answer compares with the answer the client got, on the same request.
/// Cheap enough to run on every mirrored request: one pass over each text.
public struct ShadowComparison: Sendable, Equatable, Codable {
    public var sameFinishReason: Bool
    /// Candidate characters (Unicode scalars) over primary characters.
    public var lengthRatio: Double
    /// Cosine similarity of the two texts' word counts, in [0, 1].
    public var similarity: Double

    public init(sameFinishReason: Bool, lengthRatio: Double, similarity: Double) {
        self.sameFinishReason = sameFinishReason
        self.lengthRatio = lengthRatio
        self.similarity = similarity
    }

    public init(primary: String, candidate: String, primaryFinishReason: String?, candidateFinishReason: String?) {
        sameFinishReason = primaryFinishReason == candidateFinishReason
        lengthRatio = Self.lengthRatio(primary: primary, candidate: candidate)
        similarity = Self.similarity(primary, candidate)
    }

    /// Two empty answers are alike (1); against an empty primary the ratio is the
    /// candidate's length, so it stays finite.
    public static func lengthRatio(primary: String, candidate: String) -> Double {
        let primaryCount = primary.unicodeScalars.count
        let candidateCount = candidate.unicodeScalars.count
        if primaryCount == 0 { return candidateCount == 0 ? 1 : Double(candidateCount) }
        return Double(candidateCount) / Double(primaryCount)
    }

    /// Cosine over word counts rather than overlap of word sequences: two models rarely
    /// phrase an answer alike, and what matters is whether they talk about the same
    /// things. Case is ignored; each Han or kana character counts as a word, since those
    /// scripts put no spaces between words.
    public static func similarity(_ first: String, _ second: String) -> Double {
        let a = wordCounts(first)
        let b = wordCounts(second)
        if a.isEmpty || b.isEmpty { return a.isEmpty && b.isEmpty ? 1 : 0 }
        // Same words, same counts: exactly 1, where the arithmetic below could give 0.999….
        if a == b { return 1 }
        let (small, large) = a.count <= b.count ? (a, b) : (b, a)
        var dot = 0.0
        for (word, count) in small {
            if let other = large[word] { dot += Double(count) * Double(other) }
        }
        let norms = (norm(a) * norm(b))
        return norms == 0 ? 0 : min(1, max(0, dot / norms))
    }

    private static func norm(_ counts: [UInt64: Int]) -> Double {
        counts.values.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    }

    /// Words as FNV-1a hashes of their lowercased scalars: no substring is allocated.
    static func wordCounts(_ text: String) -> [UInt64: Int] {
        let offset: UInt64 = 0xcbf2_9ce4_8422_2325
        let prime: UInt64 = 0x100_0000_01b3
        var counts: [UInt64: Int] = [:]
        var hash = offset
        var inWord = false
        func finishWord() {
            if inWord { counts[hash, default: 0] += 1 }
            hash = offset
            inWord = false
        }
        for scalar in text.unicodeScalars {
            var value = scalar.value
            if value < 0x80 {
                let isUpper = value >= 0x41 && value <= 0x5A
                let isLower = value >= 0x61 && value <= 0x7A
                let isDigit = value >= 0x30 && value <= 0x39
                guard isUpper || isLower || isDigit else {
                    finishWord()
                    continue
                }
                if isUpper { value += 0x20 }
            } else {
                let properties = scalar.properties
                if properties.isIdeographic || (0x3040...0x30FF).contains(value) {
                    finishWord()
                    hash = (hash ^ UInt64(value)) &* prime
                    inWord = true
                    finishWord()
                    continue
                }
                guard properties.isAlphabetic || properties.numericType != nil else {
                    finishWord()
                    continue
                }
                value = properties.lowercaseMapping.unicodeScalars.first?.value ?? value
            }
            hash = (hash ^ UInt64(value)) &* prime
            inWord = true
        }
        finishWord()
        return counts
    }
}

extension ShadowPlan {
    /// Whether to mirror one request. - Parameter random: a number in [0, 1).
    public func mirrors(random: Double = Double.random(in: 0..<1)) -> Bool {
        random * 100 < percent
    }
}

/// Where each token of a text starts, in UTF-8 bytes, and which token boundaries fall between
/// whole characters.
///
/// Byte-level BPE covers every byte of the text exactly once, in order, so the token byte
/// lengths summed from the start give each token's offset in the original text.
struct TokenLayout {
    /// The text's UTF-8 bytes.
    let bytes: [UInt8]
    /// `offsets[i]` is the byte where token `i` starts; `offsets[tokenCount]` is `bytes.count`.
    let offsets: [Int]

    init(text: String, tokenizer: Tokenizer) {
        bytes = Array(text.utf8)
        // Ordinary encoding (specials as text): every id is a rank, so its bytes are known.
        let ids = tokenizer.encode(text, allowSpecial: false)
        var offsets: [Int] = []
        offsets.reserveCapacity(ids.count + 1)
        var position = 0
        offsets.append(position)
        for id in ids {
            position += tokenizer.ranks.tokenBytes(id).count
            offsets.append(position)
        }
        precondition(position == bytes.count, "token bytes do not cover the text")
        self.offsets = offsets
    }

    var tokenCount: Int { offsets.count - 1 }

    /// Whether the boundary before token `token` falls between two characters: its byte is not
    /// a UTF-8 continuation byte (`10xxxxxx`). The text's two ends always are.
    func isClean(_ token: Int) -> Bool {
        let offset = offsets[token]
        return offset == bytes.count || bytes[offset] & 0xC0 != 0x80
    }

    /// The last clean boundary at or before `token` (0 at worst).
    func cleanFloor(_ token: Int) -> Int {
        var token = token
        while !isClean(token) { token -= 1 }
        return token
    }

    /// The first clean boundary at or after `token` (`tokenCount` at worst).
    func cleanCeiling(_ token: Int) -> Int {
        var token = token
        while !isClean(token) { token += 1 }
        return token
    }

    /// The first token starting at or after byte `offset` (`tokenCount` past the last start).
    func firstToken(atOrAfter offset: Int) -> Int {
        var low = 0
        var high = offsets.count - 1
        while low < high {
            let middle = (low + high) / 2
            if offsets[middle] < offset { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The token whose bytes include byte `offset` (`offset` below `bytes.count`).
    func token(containing offset: Int) -> Int {
        let next = firstToken(atOrAfter: offset + 1)
        return next - 1
    }

    /// The text of bytes `from..<to`; both must fall between characters, so the bytes decode
    /// without replacement.
    func text(_ from: Int, _ to: Int) -> String {
        String(decoding: bytes[from..<to], as: UTF8.self)
    }
}

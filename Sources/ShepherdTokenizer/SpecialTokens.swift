/// The special tokens of one encoding: finding them in text (when allowed) and decoding them.
struct SpecialTokens: Sendable {
    private let tokens: [(bytes: [UInt8], id: Int)]

    init(_ tokens: [(text: String, id: Int)]) {
        self.tokens = tokens.map { (Array($0.text.utf8), $0.id) }
    }

    func bytes(forID id: Int) -> [UInt8]? {
        tokens.first { $0.id == id }?.bytes
    }

    /// The first special token in `text[from..<end]`: where it starts, its length and id. All
    /// special tokens start with `<|`, so only those positions are compared.
    func firstMatch(in text: UnsafePointer<UInt8>, from start: Int, to end: Int) -> (start: Int, length: Int, id: Int)? {
        var i = start
        while i + 1 < end {
            if text[i] == UInt8(ascii: "<"), text[i + 1] == UInt8(ascii: "|") {
                for token in tokens where token.bytes.count <= end - i {
                    if token.bytes.withUnsafeBufferPointer({ memoryEqual(text + i, $0) }) {
                        return (i, token.bytes.count, token.id)
                    }
                }
            }
            i += 1
        }
        return nil
    }

    private func memoryEqual(_ p: UnsafePointer<UInt8>, _ token: UnsafeBufferPointer<UInt8>) -> Bool {
        for j in 0..<token.count where p[j] != token[j] {
            return false
        }
        return true
    }
}

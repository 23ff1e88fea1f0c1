import NIOCore
import ShepherdCore

/// Splits an SSE byte stream into whole events (`…\n\n`) and keeps what the gateway needs
/// from them: the answer's text, finish reason and usage, and whether `[DONE]` arrived.
/// Events are forwarded as the bytes the upstream sent; only a usage chunk the gateway
/// asked for on the client's behalf is held back.
struct StreamTranscript {
    private var pending: [UInt8] = []
    private(set) var text = ""
    private(set) var finishReason: String?
    private(set) var usage: Usage?
    private(set) var sawDone = false
    private(set) var firstContentAt: ContinuousClock.Instant?
    /// Drop the final usage-only chunk: the client did not ask for it.
    let hideUsageChunk: Bool

    init(hideUsageChunk: Bool) {
        self.hideUsageChunk = hideUsageChunk
    }

    /// Consumes a chunk and returns the bytes of the events it completed, to forward.
    mutating func feed(_ chunk: ByteBuffer) -> ByteBuffer? {
        pending.append(contentsOf: chunk.readableBytesView)
        var out = ByteBuffer()
        var start = 0
        var index = 0
        let bytes = pending
        while index + 1 < bytes.count {
            // Events end with a blank line; tolerate CRLF line ends too.
            if bytes[index] == 0x0A, bytes[index + 1] == 0x0A {
                emit(bytes[start..<(index + 2)], into: &out)
                start = index + 2
                index += 2
                continue
            }
            if bytes[index] == 0x0A, index + 2 < bytes.count, bytes[index + 1] == 0x0D, bytes[index + 2] == 0x0A {
                emit(bytes[start..<(index + 3)], into: &out)
                start = index + 3
                index += 3
                continue
            }
            index += 1
        }
        pending.removeFirst(start)
        return out.readableBytes > 0 ? out : nil
    }

    /// Whatever is left when the upstream closed (an unterminated last event).
    mutating func flush() -> ByteBuffer? {
        guard !pending.isEmpty else { return nil }
        var out = ByteBuffer()
        emit(pending[...], into: &out)
        pending.removeAll()
        return out.readableBytes > 0 ? out : nil
    }

    private mutating func emit(_ event: ArraySlice<UInt8>, into out: inout ByteBuffer) {
        if observe(event) { out.writeBytes(event) }
    }

    /// Reads an event; returns false when it must not be forwarded.
    private mutating func observe(_ event: ArraySlice<UInt8>) -> Bool {
        // Line by line without `split`, which allocated an array of lines per event.
        var rest = event[...]
        while !rest.isEmpty {
            let end = rest.firstIndex(of: 0x0A) ?? rest.endIndex
            var line = rest[..<end]
            rest = end < rest.endIndex ? rest[(end + 1)...] : rest[rest.endIndex...]
            if line.last == 0x0D { line = line.dropLast() }
            guard line.starts(with: Self.dataPrefix) else { continue }
            var payload = line.dropFirst(5)
            if payload.first == 0x20 { payload = payload.dropFirst() }
            if payload.elementsEqual(Self.done) {
                sawDone = true
                continue
            }
            guard let chunk = StreamChunk.read(Array(payload)) else { continue }
            if let usage = chunk.usage { self.usage = usage }
            if !chunk.content.isEmpty {
                if firstContentAt == nil { firstContentAt = .now }
                text += chunk.content
            }
            if let reason = chunk.finishReason { finishReason = reason }
            if hideUsageChunk, chunk.usage != nil, !chunk.hasChoices { return false }
        }
        return true
    }

    private static let dataPrefix = Array("data:".utf8)
    private static let done = Array("[DONE]".utf8)
}

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
    ///
    /// Events are found by searching for line ends (`memchr`), not byte by byte. When the chunk
    /// started no event of its own and nothing is held back, the bytes forwarded are a slice of
    /// the chunk itself, not a copy (a long stream's reads carry many events each).
    mutating func feed(_ chunk: ByteBuffer) -> ByteBuffer? {
        let startedClean = pending.isEmpty
        pending.append(contentsOf: chunk.readableBytesView)
        var end = 0  // the end of the last whole event
        var forwardFrom = 0  // what is still to forward once an event has been held back
        var out: ByteBuffer?  // made only when one is
        var search = 0
        while let newline = pending.firstIndex(of: 0x0A, from: search) {
            search = newline + 1
            // Events end with a blank line; tolerate CRLF line ends too.
            let eventEnd: Int
            if newline + 1 < pending.count, pending[newline + 1] == 0x0A {
                eventEnd = newline + 2
            } else if newline + 2 < pending.count, pending[newline + 1] == 0x0D, pending[newline + 2] == 0x0A {
                eventEnd = newline + 3
            } else {
                continue
            }
            if !observe(pending[end..<eventEnd]) {
                var held = out ?? ByteBuffer()
                held.writeBytes(pending[forwardFrom..<end])
                out = held
                forwardFrom = eventEnd
            }
            end = eventEnd
            search = eventEnd
        }
        defer { pending.removeFirst(end) }
        if var held = out {
            held.writeBytes(pending[forwardFrom..<end])
            return held.readableBytes > 0 ? held : nil
        }
        guard end > 0 else { return nil }
        return startedClean ? chunk.getSlice(at: chunk.readerIndex, length: end) : ByteBuffer(bytes: pending[..<end])
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

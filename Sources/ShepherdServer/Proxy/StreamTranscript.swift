import NIOCore
import ShepherdCore

/// Splits an SSE byte stream into whole events (`…\n\n`) and keeps what the gateway needs
/// from them: the answer's text, finish reason and usage, and whether `[DONE]` arrived.
/// Events are forwarded as the bytes the upstream sent; only a usage chunk the gateway
/// asked for on the client's behalf is held back.
///
/// The text is read lazily unless ``keepsText``: the gateway asks every upstream for usage, and
/// with usage reported the text serves nothing but a shadow comparison. Events are then only
/// searched for `[DONE]` and for a usage object as they pass, and kept unread; ``settle()``
/// reads them at the end if no usage came (the ledger then counts the text's tokens). Reading
/// the JSON of every event was 7 % of a streamed request's CPU at 32 connections (an 11-event
/// answer); kept unread are at most ``unreadLimit`` bytes, beyond which they are read as they
/// come, so a long stream holds its text, not its events.
struct StreamTranscript {
    private var pending: [UInt8] = []
    /// Whole events forwarded and not yet read for their text, in order.
    private var unread: [UInt8] = []
    /// The answer's text: whole once ``settle()`` has run, or always with ``keepsText``.
    private(set) var text = ""
    /// Choice 0's finish reason, on the same terms as ``text``.
    private(set) var finishReason: String?
    private(set) var usage: Usage?
    private(set) var sawDone = false
    /// Drop the final usage-only chunk: the client did not ask for it.
    let hideUsageChunk: Bool
    /// Read every event's text as it passes (a shadow compares it), rather than lazily.
    let keepsText: Bool

    /// Unread events kept at most, in bytes.
    static let unreadLimit = 64 * 1024

    init(hideUsageChunk: Bool, keepsText: Bool = true) {
        self.hideUsageChunk = hideUsageChunk
        self.keepsText = keepsText
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
            if !take(pending[end..<eventEnd]) {
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

    /// Whatever is left when the upstream closed (an unterminated last event); the transcript
    /// is then settled.
    mutating func flush() -> ByteBuffer? {
        defer { settle() }
        guard !pending.isEmpty else { return nil }
        var out = ByteBuffer()
        if take(pending[...]) { out.writeBytes(pending) }
        pending.removeAll()
        return out.readableBytes > 0 ? out : nil
    }

    /// Reads the unread events' text if it is wanted: no usage came, so the ledger counts it.
    mutating func settle() {
        if usage == nil { readUnread() }
        unread.removeAll()
    }

    /// Takes in a whole event; returns false when it must not be forwarded.
    private mutating func take(_ event: ArraySlice<UInt8>) -> Bool {
        if keepsText { return observe(event, reading: .everything) }
        var forwards = true
        if Self.mayCarryUsage(event) {
            // Read now: it may be the usage chunk to hold back.
            forwards = observe(event, reading: .usageAndDone)
        } else if Self.mayBeDone(event) {
            _ = observe(event, reading: .doneOnly)
        }
        // The text matters only while no usage has come; it is then read in its place.
        if usage == nil { keepUnread(event) }
        return forwards
    }

    private mutating func keepUnread(_ event: ArraySlice<UInt8>) {
        unread.append(contentsOf: event)
        if unread.count > Self.unreadLimit { readUnread() }
    }

    private mutating func readUnread() {
        guard !unread.isEmpty else { return }
        // `observe` goes line by line, so the events read as one.
        _ = observe(unread[...], reading: .text)
        unread.removeAll(keepingCapacity: true)
    }

    /// Whether an event has a `"usage"` member whose value is an object, not `null` (OpenAI
    /// sends `"usage":null` in every chunk once usage is asked for). Only such an event can
    /// carry usage or be the usage chunk; a false positive merely reads it early.
    static func mayCarryUsage(_ event: ArraySlice<UInt8>) -> Bool {
        var from = event.startIndex
        while var index = end(of: usageKey, in: event[from...]) {
            from = index
            // `"usage"`, then blanks and the colon, then the value's first byte.
            while index < event.endIndex, event[index] == 0x20 || event[index] == 0x09 || event[index] == 0x3A { index += 1 }
            if index < event.endIndex, event[index] == 0x7B { return true }
        }
        return false
    }

    /// Whether an event has `[DONE]` in it anywhere, before its lines are looked at.
    static func mayBeDone(_ event: ArraySlice<UInt8>) -> Bool {
        end(of: done, in: event) != nil
    }

    /// Where the first occurrence of `marker` in `bytes` ends, found by its first byte.
    private static func end(of marker: [UInt8], in bytes: ArraySlice<UInt8>) -> Int? {
        var from = bytes.startIndex
        while let start = bytes[from...].firstIndex(of: marker[0]) {
            if bytes[start...].starts(with: marker) { return start + marker.count }
            from = start + 1
        }
        return nil
    }

    /// What ``observe(_:reading:)`` takes from an event's JSON.
    private enum Reading {
        /// Text, finish reason, usage and `[DONE]`.
        case everything
        /// Usage and `[DONE]`: the JSON is read, its text left alone.
        case usageAndDone
        /// `[DONE]` alone: no JSON is read.
        case doneOnly
        /// Text and finish reason, of events already searched for the rest.
        case text
    }

    /// Reads an event; returns false when it must not be forwarded.
    private mutating func observe(_ event: ArraySlice<UInt8>, reading: Reading) -> Bool {
        // Line by line without `split`, which allocated an array of lines per event.
        var rest = event[...]
        var forwards = true
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
            guard reading != .doneOnly, let chunk = StreamChunk.read(Array(payload)) else { continue }
            if reading != .text, let usage = chunk.usage { self.usage = usage }
            if reading == .everything || reading == .text {
                if !chunk.content.isEmpty { text += chunk.content }
                if let reason = chunk.finishReason { finishReason = reason }
            }
            if hideUsageChunk, chunk.usage != nil, !chunk.hasChoices { forwards = false }
        }
        return forwards
    }

    private static let dataPrefix = Array("data:".utf8)
    private static let done = Array("[DONE]".utf8)
    private static let usageKey = Array(#""usage""#.utf8)
}

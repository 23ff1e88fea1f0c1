import NIOCore
import ShepherdCore
import Testing

@testable import ShepherdServer

/// The relay's framing: what is forwarded, and what is learnt, however the upstream's bytes
/// are cut into reads.
@Suite("Stream transcript")
struct StreamTranscriptTests {
    static func event(_ content: String) -> String {
        #"data: {"choices":[{"index":0,"delta":{"content":"\#(content)"},"finish_reason":null}]}"# + "\n\n"
    }

    static let finish = #"data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"# + "\n\n"
    static let usage = #"data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3,"total_tokens":8}}"# + "\n\n"
    static let done = "data: [DONE]\n\n"
    static let stream = [event("Hel"), event("lo"), ": keep-alive\n\n", finish, usage, done].joined()

    /// Feeds `text` cut every `size` bytes; returns what was forwarded, the flush included.
    static func relay(_ text: String, cutEvery size: Int, hideUsage: Bool = false, keepsText: Bool = true) -> (String, StreamTranscript) {
        var transcript = StreamTranscript(hideUsageChunk: hideUsage, keepsText: keepsText)
        var forwarded = ""
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            let end = min(start + size, bytes.count)
            if let out = transcript.feed(ByteBuffer(bytes: bytes[start..<end])) { forwarded += String(buffer: out) }
            start = end
        }
        if let rest = transcript.flush() { forwarded += String(buffer: rest) }
        return (forwarded, transcript)
    }

    @Test("whole events are forwarded byte for byte, whatever the reads' sizes", arguments: [1, 2, 7, 64, 100_000])
    func forwardsWholeEvents(cut: Int) {
        let (forwarded, transcript) = Self.relay(Self.stream, cutEvery: cut)
        #expect(forwarded == Self.stream)
        #expect(transcript.text == "Hello")
        #expect(transcript.finishReason == "stop")
        #expect(transcript.usage == Usage(promptTokens: 5, completionTokens: 3))
        #expect(transcript.sawDone)
    }

    @Test("read lazily, a stream with usage forwards the same bytes and skips its text", arguments: [1, 7, 100_000])
    func lazyWithUsage(cut: Int) {
        for hideUsage in [false, true] {
            let (forwarded, transcript) = Self.relay(Self.stream, cutEvery: cut, hideUsage: hideUsage, keepsText: false)
            #expect(forwarded == (hideUsage ? Self.stream.replacingOccurrences(of: Self.usage, with: "") : Self.stream))
            #expect(transcript.usage == Usage(promptTokens: 5, completionTokens: 3))
            #expect(transcript.sawDone)
            #expect(transcript.text.isEmpty, "usage came: the text was never read")
        }
    }

    @Test("read lazily, a stream without usage has its text read, in order, once settled", arguments: [1, 7, 100_000])
    func lazyWithoutUsage(cut: Int) {
        // An event read early (a "usage" object, though not the chunk's) keeps its place in the text.
        let odd = #"data: {"choices":[{"index":0,"delta":{"content":"!"},"logprobs":{"usage":{"n":1}}}]}"# + "\n\n"
        let text = [Self.event("Hel"), Self.event("lo"), odd, Self.event("?"), Self.finish, Self.done].joined()
        let (forwarded, transcript) = Self.relay(text, cutEvery: cut, hideUsage: true, keepsText: false)
        #expect(forwarded == text)
        #expect(transcript.usage == nil)
        #expect(transcript.text == "Hello!?")
        #expect(transcript.finishReason == "stop")
        #expect(transcript.sawDone)
    }

    @Test("read lazily, a long stream without usage is read as it comes, not kept whole")
    func lazyLongStream() {
        var transcript = StreamTranscript(hideUsageChunk: false, keepsText: false)
        let words = (0..<5_000).map { "w\($0) " }
        for word in words { _ = transcript.feed(ByteBuffer(string: Self.event(word))) }
        #expect(transcript.text.count > 0, "past the limit, unread events are read")
        _ = transcript.flush()
        #expect(transcript.text == words.joined())
    }

    @Test("a read ending inside an event forwards nothing of it until the event is whole")
    func holdsPartialEvents() {
        var transcript = StreamTranscript(hideUsageChunk: false)
        let first = Self.event("a")
        let cut = first.utf8.count - 1
        let head = transcript.feed(ByteBuffer(string: String(first.prefix(cut))))
        #expect(head == nil)
        let rest = transcript.feed(ByteBuffer(string: String(first.dropFirst(cut)) + Self.event("b")))
        #expect(rest.map { String(buffer: $0) } == first + Self.event("b"))
        #expect(transcript.text == "ab")
    }

    @Test("CRLF line ends are events too, forwarded as sent")
    func crlf() {
        let text = #"data: {"choices":[{"index":0,"delta":{"content":"x"}}]}"# + "\r\n\r\n" + "data: [DONE]\r\n\r\n"
        for cut in [1, 3, 1_000] {
            let (forwarded, transcript) = Self.relay(text, cutEvery: cut)
            #expect(forwarded == text)
            #expect(transcript.text == "x" && transcript.sawDone)
        }
    }

    @Test("the usage-only chunk the gateway asked for is held back; its usage is still read")
    func hidesUsageChunk() {
        for cut in [5, 100_000] {
            let (forwarded, transcript) = Self.relay(Self.stream, cutEvery: cut, hideUsage: true)
            #expect(forwarded == Self.stream.replacingOccurrences(of: Self.usage, with: ""))
            #expect(transcript.usage == Usage(promptTokens: 5, completionTokens: 3))
        }
    }

    @Test("an unterminated last event is forwarded by flush")
    func flushesUnterminated() {
        let text = Self.event("a") + "data: [DONE]"
        let (forwarded, transcript) = Self.relay(text, cutEvery: 10)
        #expect(forwarded == text)
        #expect(transcript.sawDone)
    }
}

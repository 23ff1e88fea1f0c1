import NIOCore
import Testing

@testable import ShepherdProviders

@Suite("SSE event parser")
struct SSEEventParserTests {
    @Test("events cut anywhere, CRLF, comments, multi-line data, unterminated last event")
    func parse() {
        let text = ": keep-alive\r\nevent: message_start\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\ndata: two\n\ndata: last"
        for size in [1, 2, 5, 100] {
            var parser = SSEEventParser()
            var events: [SSEEvent] = []
            let bytes = Array(text.utf8)
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + size)
                events += parser.feed(ByteBuffer(bytes: bytes[start..<end]))
                start = end
            }
            if let last = parser.finish() { events.append(last) }
            #expect(events == [
                SSEEvent(event: "message_start", data: "{\"a\":\n1}"), SSEEvent(data: "two"), SSEEvent(data: "last"),
            ])
        }
    }
}

import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

@testable import ShepherdServer

@Suite("Response head coalescer")
struct ResponseHeadCoalescerTests {
    private func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ResponseHeadCoalescer())
        return channel
    }

    private func flushed(_ channel: EmbeddedChannel) throws -> [String] {
        var parts: [String] = []
        while let part = try channel.readOutbound(as: HTTPResponsePart.self) {
            switch part {
            case .head(let head): parts.append("head \(head.status.code)")
            case .body(let body): parts.append("body \(String(buffer: body))")
            case .end: parts.append("end")
            }
        }
        return parts
    }

    @Test("a head flushed alone waits for the body part written right after it, and both leave in one flush")
    func headWaitsForBody() throws {
        let channel = try channel()
        channel.write(HTTPResponsePart.head(HTTPResponse(status: .ok)), promise: nil)
        channel.flush()
        #expect(try flushed(channel).isEmpty)
        channel.writeAndFlush(HTTPResponsePart.body(ByteBuffer(string: "data: 1\n\n")), promise: nil)
        #expect(try flushed(channel) == ["head 200", "body data: 1\n\n"])
        // The held flush, run at the end of the loop's turn, finds nothing left to send.
        channel.embeddedEventLoop.run()
        #expect(try flushed(channel).isEmpty)
        _ = try channel.finish()
    }

    @Test("a head with nothing behind it leaves at the end of the loop's turn; 1xx heads and whole responses at once")
    func headAloneAndOthers() throws {
        let channel = try channel()
        channel.writeAndFlush(HTTPResponsePart.head(HTTPResponse(status: .ok)), promise: nil)
        #expect(try flushed(channel).isEmpty)
        channel.embeddedEventLoop.run()
        #expect(try flushed(channel) == ["head 200"])

        channel.writeAndFlush(HTTPResponsePart.head(HTTPResponse(status: .continue)), promise: nil)
        #expect(try flushed(channel) == ["head 100"])

        channel.write(HTTPResponsePart.head(HTTPResponse(status: .ok)), promise: nil)
        channel.write(HTTPResponsePart.body(ByteBuffer(string: "{}")), promise: nil)
        channel.writeAndFlush(HTTPResponsePart.end(nil), promise: nil)
        #expect(try flushed(channel) == ["head 200", "body {}", "end"])
        _ = try channel.finish()
    }
}

import NIOCore
import ShepherdCore
import Testing

@testable import ShepherdProviders

@Suite("OpenAI answers: usage read without decoding the whole answer")
struct OpenAIUsageTests {
    @Test("usage with cached tokens is read; the rest of the answer is not needed to be valid for the types")
    func reads() throws {
        let body = #"""
            {"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"hi \"usage\": {}"},"finish_reason":"stop"}],
             "extra":{"usage":{"prompt_tokens":1}},
             "usage":{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150,"prompt_tokens_details":{"cached_tokens":100}}}
            """#
        let usage = try #require(OpenAIProvider.usage(in: ByteBuffer(string: body)))
        #expect(usage.promptTokens == 120 && usage.completionTokens == 30 && usage.cachedTokens == 100)
    }

    @Test("no usage, null usage or a malformed answer give nil, never a crash", arguments: [
        #"{"id":"x","choices":[]}"#, #"{"usage":null}"#, #"{"usage":{"prompt_tokens":"many"}}"#, #"{"usage":"#, "", "[1,2]",
    ])
    func missing(_ body: String) {
        #expect(OpenAIProvider.usage(in: ByteBuffer(string: body)) == nil)
    }
}

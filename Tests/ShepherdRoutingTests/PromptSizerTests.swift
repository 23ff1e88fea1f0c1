import Foundation
import ShepherdCore
import ShepherdTokenizer
import Testing

@testable import ShepherdRouting

@Suite("Prompt sizing")
struct PromptSizerTests {
    @Test("OpenAI's image examples: 1024² high is 765 tokens, 2048×4096 high is 1105, low is 85")
    func tiles() {
        #expect(PromptSizer.openAITiles(width: 1024, height: 1024) == 765)
        #expect(PromptSizer.openAITiles(width: 2048, height: 4096) == 1105)
        #expect(PromptSizer.openAITiles(width: 1, height: 1) == 255)
    }

    @Test("image dimensions come from PNG, GIF and JPEG headers inside data URIs")
    func imageHeaders() throws {
        let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
        #expect(MediaProbe.imageSize(dataURI: png)! == (1, 1))
        let gif = "data:image/gif;base64," + Data([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x20, 0x03, 0x58, 0x02, 0, 0]).base64EncodedString()
        #expect(MediaProbe.imageSize(dataURI: gif)! == (800, 600))
        var jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00]
        jpeg += [0xFF, 0xC0, 0x00, 0x11, 0x08, 0x02, 0xD0, 0x05, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 0]
        #expect(MediaProbe.imageSize(dataURI: "data:image/jpeg;base64," + Data(jpeg).base64EncodedString())! == (1280, 720))
    }

    @Test("messages are framed as OpenAI counts them")
    func framing() throws {
        let sizer = try PromptSizer.forModel("gpt-4o")
        let request = ChatCompletionRequest(model: "gpt-4o", messages: [.user("hello world")])
        // 3 to prime the reply + 3 per message + "user" (1) + "hello world" (2).
        #expect(sizer.size(of: request).total == 9)
        let twice = ChatCompletionRequest(model: "gpt-4o", messages: [.system("hello world"), .user("hello world")])
        #expect(sizer.size(of: twice).total == 15)
    }

    @Test("media count toward the size and are tallied")
    func media() throws {
        let sizer = try PromptSizer.forModel("gpt-4o")
        let wav = Data(repeating: 0, count: 44 + 32_000)
        var header = wav
        header.replaceSubrange(0..<4, with: Array("RIFF".utf8))
        header.replaceSubrange(28..<32, with: [0x00, 0x7D, 0x00, 0x00])  // 32,000 bytes a second
        let request = ChatCompletionRequest(
            model: "gpt-4o",
            messages: [ChatMessage(role: .user, content: .parts([
                .imageURL(.init(url: "https://example.com/x.png", detail: "low")),
                .inputAudio(.init(data: header.base64EncodedString(), format: "wav")),
            ]))])
        let size = sizer.size(of: request)
        #expect(size.images == 1)
        #expect(abs(size.audioSeconds - 1.0) < 0.01)
        #expect(size.mediaTokens == 85 + 10)
        let gemini = try PromptSizer.forModel("gemini-2.5-flash").size(of: request)
        #expect(gemini.mediaTokens == 258 + 32)
    }
}

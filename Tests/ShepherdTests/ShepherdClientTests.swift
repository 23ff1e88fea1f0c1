import AsyncHTTPClient
import Foundation
import ShepherdCore
import Synchronization
import Testing

@testable import Shepherd

/// `ShepherdClient` against an OpenAI-compatible fake upstream on loopback.
@Suite("ShepherdClient against a fake upstream")
struct ShepherdClientTests {
    @Test("a plain completion, with the key as a bearer token and never in the description")
    func plain() async throws {
        let upstream = FakeOpenAI()
        try await upstream.run { port in
            let client = try sdkClient(port, key: "sk-secret-123")
            let answer = try await client.complete(model: "gpt-4o", messages: [.system("Be brief."), .user("Hello")])
            #expect(answer.text == "upstream says hi")
            #expect(answer.usage?.totalTokens == 13)
            #expect(upstream.authorization == "Bearer sk-secret-123")
            #expect(upstream.body["stream"] == nil)
            #expect(!client.description.contains("sk-secret"))
            #expect(!"\(client)".contains("sk-secret"))
        }
    }

    @Test("a stream arrives chunk by chunk and ends at [DONE]")
    func streaming() async throws {
        let upstream = FakeOpenAI()
        try await upstream.run { port in
            var words: [String] = []
            for try await chunk in try sdkClient(port).stream(model: "stream", messages: [.user("Hi")]) {
                words.append(chunk.choices.first?.delta.content ?? "")
            }
            #expect(words == ["alpha ", "beta ", "gamma"])
            #expect(upstream.body["stream"] as? Bool == true)
            #expect(try await sdkClient(port).stream(model: "stream", messages: [.user("Hi")]).text() == "alpha beta gamma")
        }
    }

    @Test("a stream that fails after it began throws the server's typed error")
    func streamError() async throws {
        let upstream = FakeOpenAI()
        try await upstream.run { port in
            var words = 0
            await #expect {
                for try await _ in try sdkClient(port).stream(model: "stream-error", messages: [.user("Hi")]) { words += 1 }
            } throws: { error in
                (error as? ShepherdError)?.kind == .upstreamError
            }
            #expect(words == 3)
        }
    }

    @Test("multimodal parts: image by URL, data and file, audio, PDF and video files")
    func multimodal() async throws {
        let upstream = FakeOpenAI()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shepherd-sdk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let png = folder.appendingPathComponent("pixel.png")
        let wav = folder.appendingPathComponent("hello.wav")
        let pdf = folder.appendingPathComponent("doc.pdf")
        let mp4 = folder.appendingPathComponent("clip.mp4")
        for file in [png, wav, pdf, mp4] { try Data([0x01, 0x02, 0x03, 0x04]).write(to: file) }
        try await upstream.run { port in
            let message = ChatMessage.user([
                .text("What is in these?"),
                .image(url: "https://example.com/cat.png", detail: "low"),
                .image(data: Data([0x89, 0x50]), mimeType: "image/png"),
                try .image(contentsOf: png),
                try .audio(contentsOf: wav),
                try .document(contentsOf: pdf),
                try .video(contentsOf: mp4),
                .video(url: "https://example.com/clip.mp4"),
            ])
            let answer = try await sdkClient(port).complete(model: "gpt-4o", messages: [message])
            #expect(answer.text == "parts: text,image_url,image_url,image_url,input_audio,file,file,video_url")
            let parts = try #require((upstream.body["messages"] as? [[String: Any]])?.first?["content"] as? [[String: Any]])
            let fromFile = (parts[3]["image_url"] as? [String: Any])?["url"] as? String
            #expect(fromFile == "data:image/png;base64,AQIDBA==")
            #expect((parts[4]["input_audio"] as? [String: Any])?["format"] as? String == "wav")
            #expect((parts[5]["file"] as? [String: Any])?["file_data"] as? String == "data:application/pdf;base64,AQIDBA==")
            #expect((parts[6]["file"] as? [String: Any])?["filename"] as? String == "clip.mp4")
        }
    }

    @Test("tools go out with the request and tool calls come back typed")
    func tools() async throws {
        let upstream = FakeOpenAI()
        try await upstream.run { port in
            let weather = Tool.function(
                name: "get_weather", description: "Weather for a city",
                parameters: .object(["type": .string("object"), "properties": .object(["city": .object(["type": .string("string")])])]))
            let answer = try await sdkClient(port).complete(model: "tools", messages: [.user("Weather in Paris?")], tools: [weather])
            let call = try #require(answer.toolCalls.first)
            #expect(call.function.name == "get_weather")
            #expect(call.function.arguments == #"{"city":"Paris"}"#)
            #expect(answer.choices.first?.finishReason == "tool_calls")
            let sent = try #require((upstream.body["tools"] as? [[String: Any]])?.first)
            #expect((sent["function"] as? [String: Any])?["name"] as? String == "get_weather")
            // The result goes back as a tool message.
            let followUp = try await sdkClient(port).complete(
                model: "gpt-4o", messages: [.user("Weather in Paris?"), .assistant(toolCalls: [call]), .tool(#"{"temp":21}"#, callID: call.id)])
            #expect(followUp.text == "upstream says hi")
            let roles = (upstream.body["messages"] as? [[String: Any]])?.compactMap { $0["role"] as? String }
            #expect(roles == ["user", "assistant", "tool"])
        }
    }

    static let typedErrors: [(String, ShepherdError.Kind, Int)] = [
        ("e400", .invalidRequest(param: nil), 400),
        ("ctx", .contextLengthExceeded(limit: 8192, requested: 9000), 400),
        ("e401", .authentication, 401),
        ("e403", .permissionDenied, 403),
        ("e404", .modelNotFound, 404),
        ("e413", .requestTooLarge, 413),
        ("e429", .rateLimited(retryAfter: .seconds(7)), 429),
        ("e429quota", .budgetExceeded, 429),
        ("e500", .server(status: 500), 500),
        ("e502", .upstreamError, 502),
        ("e503", .noHealthyUpstream(retryAfter: .seconds(2)), 503),
        ("e504", .upstreamTimeout, 504),
    ]

    @Test("every error status and code becomes its typed error")
    func typedErrorsFromUpstream() async throws {
        let upstream = FakeOpenAI()
        try await upstream.run { port in
            let client = try sdkClient(port)
            for (model, kind, status) in Self.typedErrors {
                do {
                    _ = try await client.complete(model: model, messages: [.user("x")])
                    Issue.record("\(model) did not fail")
                } catch let error as ShepherdError {
                    #expect(error.kind == kind, "\(model)")
                    #expect(error.status == status, "\(model)")
                    #expect(!error.message.isEmpty)
                }
            }
            await #expect {
                _ = try await client.complete(model: "garbage", messages: [.user("x")])
            } throws: { ($0 as? ShepherdError)?.kind == .invalidResponse }
            // The same errors before a stream begins.
            await #expect {
                for try await _ in client.stream(model: "e429", messages: [.user("x")]) {}
            } throws: { ($0 as? ShepherdError)?.kind == .rateLimited(retryAfter: .seconds(7)) }
        }
    }

    @Test("a refused connection is a connection error")
    func connectionRefused() async throws {
        // A port nothing listens on: bind one, note it, close it.
        let upstream = FakeOpenAI()
        try await upstream.run { _ in }
        let closedPort = upstream.port.load(ordering: .relaxed)
        // A short connect timeout: AsyncHTTPClient retries a refused connection until it passes.
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(timeout: .init(connect: .milliseconds(300))))
        let client = ShepherdClient(baseURL: URL(string: "http://127.0.0.1:\(closedPort)/v1")!, httpClient: http)
        await #expect {
            _ = try await client.complete(model: "gpt-4o", messages: [.user("x")])
        } throws: { error in
            return (error as? ShepherdError)?.kind == .connection
        }
        try await http.shutdown()
    }

    @Test("a timeout cancels the request: the upstream sees its connection closed")
    func timeout() async throws {
        let upstream = FakeOpenAI()
        try await upstream.run { port in
            let client = try sdkClient(port, timeout: .milliseconds(300))
            await #expect {
                _ = try await client.complete(model: "slow", messages: [.user("x")])
            } throws: { ($0 as? ShepherdError)?.kind == .timeout }
            #expect(try await FakeOpenAI.eventually { upstream.closed.load(ordering: .relaxed) == 1 })
            // A stream is bound by the same timeout.
            await #expect {
                for try await _ in client.stream(model: "slow-stream", messages: [.user("x")]) {}
            } throws: { ($0 as? ShepherdError)?.kind == .timeout }
            #expect(try await FakeOpenAI.eventually { upstream.closed.load(ordering: .relaxed) == 2 })
        }
    }

    @Test("cancelling the caller's task closes the upstream connection")
    func cancellation() async throws {
        let upstream = FakeOpenAI()
        try await upstream.run { port in
            let client = try sdkClient(port)
            let call = Task { try await client.complete(model: "slow", messages: [.user("x")]) }
            #expect(try await FakeOpenAI.eventually { upstream.received.load(ordering: .relaxed) == 1 })
            call.cancel()
            let result = await call.result
            #expect(throws: CancellationError.self) { try result.get() }
            #expect(try await FakeOpenAI.eventually { upstream.closed.load(ordering: .relaxed) == 1 })

            // A stream the caller stops reading early is cancelled too.
            var seen = 0
            for try await _ in client.stream(model: "slow-stream", messages: [.user("x")]) {
                seen += 1
                if seen == 3 { break }
            }
            #expect(try await FakeOpenAI.eventually { upstream.closed.load(ordering: .relaxed) == 2 })
        }
    }

    @Test("the key comes from the environment first, then a .env file")
    func credentials() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shepherd-env-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent(".env").path
        try "# keys\nexport SHEPHERD_API_KEY=\"sk-from-file\"\nSHEPHERD_BASE_URL=http://127.0.0.1:9999/v1\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(ShepherdClient.apiKey(dotEnvPath: file, environment: [:]) == "sk-from-file")
        #expect(ShepherdClient.apiKey(dotEnvPath: file, environment: ["OPENAI_API_KEY": "sk-env"]) == "sk-env")
        #expect(ShepherdClient.apiKey(dotEnvPath: folder.appendingPathComponent("none").path, environment: [:]) == nil)
        let client = try ShepherdClient.fromEnvironment(dotEnvPath: file, environment: [:])
        #expect(client.baseURL.absoluteString == "http://127.0.0.1:9999/v1")
        #expect(!client.description.contains("sk-from-file"))
        #expect(throws: ShepherdError.self) { try ShepherdClient(baseURL: "not a url") }
    }
}

import Foundation
import NIOCore
import ShepherdCore
import ShepherdProviders
import ShepherdRouting

extension ShepherdRouter {
    /// Streams a completion through the engine: a target that fails before its stream
    /// begins is retried or falls back like any attempt; once chunks flow, they are the
    /// caller's. Ending the iteration early cancels the upstream request.
    public func stream(_ request: ChatCompletionRequest) -> ChatCompletionStream {
        var request = request
        request.stream = true
        let (stream, continuation) = ChatCompletionStream.makeStream()
        let task = Task { [self] in
            do {
                let (opened, call) = try await run(request) { reply, target in
                    switch reply {
                    case .stream(let bytes):
                        return RoutedAnswer(bytes, usage: nil, target: target)
                    case .complete:
                        // An upstream that ignored `stream: true`: its answer becomes one chunk.
                        let completion = try Self.completion(from: reply, target: target)
                        return RoutedAnswer(Self.singleChunk(completion), usage: completion.usage, target: target)
                    }
                }
                var parser = SSEEventParser()
                var usage: Usage?
                let decoder = JSONDecoder()
                read: for try await buffer in opened.value {
                    for event in parser.feed(buffer) {
                        if event.data == "[DONE]" { break read }
                        guard let chunk = try? decoder.decode(ChatCompletionChunk.self, from: Data(event.data.utf8)) else { continue }
                        if let reported = chunk.usage { usage = reported }
                        continuation.yield(chunk)
                    }
                }
                let cost = usage.flatMap { costs.cost(of: $0, at: opened.target.ref) }
                await record(call, target: opened.target, status: 200, usage: usage, cost: cost)
                continuation.finish()
            } catch {
                continuation.finish(throwing: error is UpstreamFailure ? ShepherdError(.connection, "\(error)") : error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    static func singleChunk(_ completion: ChatCompletion) -> SSEByteStream {
        let chunk = ChatCompletionChunk(
            id: completion.id, created: completion.created, model: completion.model,
            choices: completion.choices.map {
                .init(index: $0.index, delta: .init(role: "assistant", content: $0.message.content), finishReason: $0.finishReason)
            },
            usage: completion.usage)
        let data = (try? JSONEncoder().encode(chunk)) ?? Data()
        return SSEByteStream { continuation in
            var event = ByteBuffer(string: "data: ")
            event.writeBytes(data)
            event.writeString("\n\ndata: [DONE]\n\n")
            continuation.yield(event)
            continuation.finish()
        }
    }
}

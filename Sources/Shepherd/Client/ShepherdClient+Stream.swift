import AsyncHTTPClient
import Foundation
import NIOCore
import ShepherdCore
import ShepherdProviders

/// The chunks of a streamed completion, as they arrive.
public typealias ChatCompletionStream = AsyncThrowingStream<ChatCompletionChunk, any Error>

extension ShepherdClient {
    /// Streams a completion (`stream: true`, SSE). Ending the iteration early, cancelling
    /// its task or passing `configuration.timeout` closes the upstream connection. A
    /// stream that fails after it began ends with the server's error as a ``ShepherdError``.
    public func stream(_ request: ChatCompletionRequest) -> ChatCompletionStream {
        var request = request
        request.stream = true
        let built = Result { try makeRequest(request, stream: true) }
        let client = httpClient
        let timeout = configuration.timeout
        let (stream, continuation) = ChatCompletionStream.makeStream()
        let task = Task {
            do {
                let http = try built.get()
                try await Self.withTimeout(timeout) {
                    let response = try await client.execute(http, timeout: .hours(24))
                    let headers = Self.metadataHeaders(response.headers)
                    guard (200..<300).contains(Int(response.status.code)) else {
                        let body = try await response.body.collect(upTo: 1024 * 1024)
                        throw ErrorDecoding.error(
                            status: Int(response.status.code), body: Array(body.readableBytesView), retryAfter: headers["retry-after"],
                            requestID: headers["x-request-id"])
                    }
                    var parser = SSEEventParser()
                    let decoder = JSONDecoder()
                    for try await buffer in response.body {
                        for event in parser.feed(buffer) {
                            if event.data == "[DONE]" { return }
                            if event.event == "error" || event.data.hasPrefix(#"{"error""#) {
                                throw ErrorDecoding.error(status: nil, body: Array(event.data.utf8), retryAfter: nil, requestID: headers["x-request-id"])
                            }
                            guard let chunk = try? decoder.decode(ChatCompletionChunk.self, from: Data(event.data.utf8)) else {
                                throw ShepherdError(.invalidResponse, "A stream event is not a chat.completion.chunk: \(event.data.prefix(200))")
                            }
                            continuation.yield(chunk)
                        }
                    }
                    throw ShepherdError(.connection, "The stream ended before its [DONE] event.")
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Streams a completion built from its parts.
    public func stream(model: String, messages: [ChatMessage], tools: [Tool]? = nil) -> ChatCompletionStream {
        var request = ChatCompletionRequest(model: model, messages: messages)
        request.tools = tools
        return stream(request)
    }
}

extension AsyncThrowingStream where Element == ChatCompletionChunk {
    /// The stream's text, concatenated (for callers that only want the answer).
    public func text() async throws -> String {
        var text = ""
        for try await chunk in self { text += chunk.choices.first?.delta.content ?? "" }
        return text
    }
}

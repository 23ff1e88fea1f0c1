import Foundation
import Logging
import NIOCore
import ShepherdCore
import Testing

@testable import ShepherdProviders

/// Helpers shared by the translation and live tests.
enum TestSupport {
    static func call(_ json: String, model: String = "m", provider: String = "p", deadline: Duration = .seconds(10)) throws -> UpstreamCall {
        UpstreamCall(
            request: try InboundChatRequest(body: Array(json.utf8)), target: Target(provider: provider, model: model),
            requestID: "req1", deadline: .now + deadline, logger: Logger(label: "test"))
    }

    static func typed(_ json: String) throws -> ChatCompletionRequest {
        try InboundChatRequest(body: Array(json.utf8)).typed
    }

    /// A byte stream delivering `text` in small pieces, to exercise events cut anywhere.
    static func chunked(_ text: String, size: Int = 7) -> SSEByteStream {
        let bytes = Array(text.utf8)
        return SSEByteStream { continuation in
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + size)
                continuation.yield(ByteBuffer(bytes: bytes[start..<end]))
                start = end
            }
            continuation.finish()
        }
    }

    static func collect(_ stream: SSEByteStream) async throws -> String {
        var out = ""
        for try await chunk in stream { out += String(buffer: chunk) }
        return out
    }

    /// The JSON objects of each `data:` event (not `[DONE]`), in order.
    static func dataObjects(_ sse: String) throws -> [[String: Any]] {
        var parser = SSEEventParser()
        var events = parser.feed(ByteBuffer(string: sse))
        if let last = parser.finish() { events.append(last) }
        return try events.filter { $0.data != "[DONE]" }.map { try object($0.data) }
    }

    static func events(_ sse: String) -> [SSEEvent] {
        var parser = SSEEventParser()
        var events = parser.feed(ByteBuffer(string: sse))
        if let last = parser.finish() { events.append(last) }
        return events
    }

    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func object(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }
}

/// Reads nested JSON without a cast at every step: `json["choices", 0, "message", "content"]`.
struct JSONPath {
    let root: Any
    init(_ root: Any) { self.root = root }

    subscript(_ path: Any...) -> Any? {
        var current: Any? = root
        for step in path {
            if let key = step as? String {
                current = (current as? [String: Any])?[key]
            } else if let index = step as? Int {
                guard let array = current as? [Any], array.indices.contains(index) else { return nil }
                current = array[index]
            }
        }
        return current
    }
}

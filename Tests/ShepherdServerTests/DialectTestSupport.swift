import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

extension TestClientProtocol {
    /// POSTs an Anthropic Messages request, the key in `x-api-key` as Anthropic's SDKs send it.
    func messages(_ json: String, key: String? = nil, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json", HTTPField.Name("anthropic-version")!: "2023-06-01"]
        if let key { headers[HTTPField.Name("x-api-key")!] = key }
        headers.append(contentsOf: extra)
        return try await execute(uri: "/v1/messages", method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    /// POSTs a Gemini request, the key in `x-goog-api-key` as Google's SDKs send it.
    func gemini(_ uri: String, _ json: String, key: String? = nil, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let key { headers[HTTPField.Name("x-goog-api-key")!] = key }
        headers.append(contentsOf: extra)
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
    }
}

struct TestSSEEvent {
    var event: String?
    var json: [String: Any]
}

extension TestResponse {
    /// The SSE events of a streamed body, each `data:` parsed as a JSON object.
    var sseEvents: [TestSSEEvent] {
        text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n").compactMap { block in
            var event: String?
            var data: String?
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
            }
            guard let data, let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] else { return nil }
            return TestSSEEvent(event: event, json: object)
        }
    }

    /// `{"type": "error", "error": {"type", "message"}}`.
    var anthropicError: (type: String, message: String)? {
        guard let json, json["type"] as? String == "error", let error = json["error"] as? [String: Any],
            let type = error["type"] as? String, let message = error["message"] as? String
        else { return nil }
        return (type, message)
    }

    /// `{"error": {"code", "message", "status"}}`.
    var geminiError: (code: Int, status: String, message: String)? {
        guard let error = json?["error"] as? [String: Any], let code = error["code"] as? Int,
            let status = error["status"] as? String, let message = error["message"] as? String
        else { return nil }
        return (code, status, message)
    }
}

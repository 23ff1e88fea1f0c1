import ShepherdCore

/// Gemini `contents` → Chat Completions messages, for ``GeminiDialect``.
struct GeminiInbound {
    /// Ids given to the model's calls, by function name, oldest first: a function response
    /// names its function, and OpenAI pairs a tool result with its call by id.
    private var pendingCalls: [String: [String]] = [:]
    private var callCount = 0

    mutating func messages(_ content: GeminiWire.Content, at index: Int) throws(GatewayError) -> [ChatMessage] {
        let path = "contents.\(index)"
        switch content.role ?? "user" {
        case "model":
            var texts: [String] = []
            var calls: [ToolCall] = []
            for part in content.parts {
                if let text = part.text, part.thought != true { texts.append(text) }
                if let call = part.functionCall {
                    callCount += 1
                    let id = GeminiToolCallID.make(callID: call.id, fallback: "call_\(callCount)", signature: part.thoughtSignature)
                    pendingCalls[call.name, default: []].append(id)
                    calls.append(ToolCall(id: id, function: FunctionCall(name: call.name, arguments: WireJSON.argumentsText(call.args))))
                }
            }
            return [ChatMessage(role: .assistant, content: texts.isEmpty ? nil : .text(texts.joined()), toolCalls: calls.isEmpty ? nil : calls)]
        case "user", "function":
            var out: [ChatMessage] = []
            var parts: [ContentPart] = []
            for (position, part) in content.parts.enumerated() {
                if let response = part.functionResponse {
                    out.append(toolMessage(response))
                } else if let converted = try Self.part(part, path: "\(path).parts.\(position)") {
                    parts.append(converted)
                }
            }
            if !parts.isEmpty { out.append(ChatMessage(role: .user, content: .parts(parts))) }
            return out
        case let role:
            throw GatewayError(.invalidRequest, "\(path).role: expected 'user' or 'model', got '\(role)'.", param: "\(path).role")
        }
    }

    private mutating func toolMessage(_ response: GeminiWire.FunctionResponse) -> ChatMessage {
        let id: String
        var queue = pendingCalls[response.name] ?? []
        if let own = response.id {
            let base = own.hasPrefix("call_") ? own : "call_\(own)"
            // The call's id may carry its thought signature; the response's never does.
            if let position = queue.firstIndex(where: { $0 == base || $0.hasPrefix(base + GeminiToolCallID.separator) }) {
                id = queue.remove(at: position)
                pendingCalls[response.name] = queue
            } else {
                id = base
            }
        } else if !queue.isEmpty {
            id = queue.removeFirst()
            pendingCalls[response.name] = queue
        } else {
            callCount += 1
            id = "call_\(callCount)"
        }
        return ChatMessage(role: .tool, content: .text(WireJSON.argumentsText(response.response)), toolCallID: id)
    }

    /// Text and media parts; `nil` for parts with no OpenAI counterpart (code execution).
    static func part(_ part: GeminiWire.Part, path: String) throws(GatewayError) -> ContentPart? {
        if let text = part.text { return part.thought == true ? nil : .text(text) }
        if let blob = part.inlineData {
            let type = blob.mimeType.lowercased()
            let uri = "data:\(type);base64,\(blob.data)"
            if type.hasPrefix("image/") { return .imageURL(.init(url: uri)) }
            if type.hasPrefix("video/") { return .videoURL(url: uri) }
            if type.hasPrefix("audio/") {
                guard let format = MediaTypes.audioFormat(mimeType: type) else {
                    throw GatewayError(.invalidRequest, "\(path).inlineData.mimeType: unsupported audio type '\(type)'.", param: "\(path).inlineData")
                }
                return .inputAudio(.init(data: blob.data, format: format))
            }
            return .file(.init(fileData: uri, filename: "file.\(MediaTypes.fileExtension(for: type))"))
        }
        if let file = part.fileData {
            let type = (file.mimeType ?? MediaTypes.guess(fromURL: file.fileUri, fallback: "application/octet-stream")).lowercased()
            if type.hasPrefix("image/") { return .imageURL(.init(url: file.fileUri)) }
            if type.hasPrefix("video/") { return .videoURL(url: file.fileUri) }
            // Files API URIs and other documents travel by reference, as a file id.
            return .file(.init(fileID: file.fileUri, filename: "file.\(MediaTypes.fileExtension(for: type))"))
        }
        return nil
    }
}

import ShepherdCore

/// Anthropic Messages content → Chat Completions messages, for ``AnthropicDialect``.
enum AnthropicInbound {
    /// One user turn: its tool results first, as `tool` messages (OpenAI wants them right
    /// after the assistant's calls), then the rest as one user message.
    static func userMessages(_ blocks: [AnthropicWire.Block], at index: Int) throws(GatewayError) -> [ChatMessage] {
        var out: [ChatMessage] = []
        var parts: [ContentPart] = []
        for (position, block) in blocks.enumerated() {
            let path = "messages.\(index).content.\(position)"
            switch block.type {
            case "text":
                parts.append(.text(block.text ?? ""))
            case "image":
                parts.append(.imageURL(.init(url: try url(of: block.source, path: path))))
            case "document":
                parts.append(try document(block, path: path))
            case "tool_result":
                guard let id = block.toolUseID else {
                    throw GatewayError(.invalidRequest, "\(path).tool_use_id is required.", param: "\(path).tool_use_id")
                }
                var text = block.content.map(resultText) ?? ""
                if block.isError == true, !text.hasPrefix("Error") { text = "Error: " + text }
                out.append(ChatMessage(role: .tool, content: .text(text), toolCallID: id))
            default:
                continue  // thinking blocks and server-tool results have no OpenAI counterpart
            }
        }
        if !parts.isEmpty { out.append(ChatMessage(role: .user, content: .parts(parts))) }
        return out
    }

    static func assistantMessage(_ blocks: [AnthropicWire.Block]) -> ChatMessage {
        var texts: [String] = []
        var calls: [ToolCall] = []
        for block in blocks {
            switch block.type {
            case "text": texts.append(block.text ?? "")
            case "tool_use":
                calls.append(ToolCall(
                    id: block.id ?? "toolu_\(calls.count)",
                    function: FunctionCall(name: block.name ?? "", arguments: WireJSON.argumentsText(block.input ?? .object([:])))))
            default: continue
            }
        }
        return ChatMessage(role: .assistant, content: texts.isEmpty ? nil : .text(texts.joined()), toolCalls: calls.isEmpty ? nil : calls)
    }

    static func toolChoice(_ choice: AnthropicWire.ToolChoice) -> JSONValue? {
        switch choice.type {
        case "auto": .string("auto")
        case "any": .string("required")
        case "none": .string("none")
        case "tool":
            choice.name.map { .object(["type": .string("function"), "function": .object(["name": .string($0)])]) }
        default: nil
        }
    }

    private static func url(of source: AnthropicWire.Source?, path: String) throws(GatewayError) -> String {
        switch source?.type {
        case "base64":
            guard let type = source?.mediaType, let data = source?.data else { break }
            return "data:\(type);base64,\(data)"
        case "url":
            if let url = source?.url { return url }
        default: break
        }
        throw GatewayError(.invalidRequest, "\(path).source: expected a base64 or url source.", param: "\(path).source")
    }

    private static func document(_ block: AnthropicWire.Block, path: String) throws(GatewayError) -> ContentPart {
        if block.source?.type == "text", let text = block.source?.data { return .text(text) }
        if block.source?.type == "base64" {
            let type = block.source?.mediaType ?? "application/pdf"
            let name = block.title ?? "document.\(MediaTypes.fileExtension(for: type))"
            return .file(.init(fileData: try url(of: block.source, path: path), filename: name))
        }
        throw GatewayError(
            .invalidRequest, "\(path).source: only base64 and text documents can be routed to any model.", param: "\(path).source")
    }

    private static func resultText(_ content: AnthropicWire.Content) -> String {
        switch content {
        case .text(let text): text
        case .blocks(let blocks): blocks.compactMap(\.text).joined(separator: "\n")
        }
    }
}

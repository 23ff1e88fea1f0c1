import ShepherdCore

/// OpenAI Chat Completions request → Anthropic Messages request.
enum AnthropicRequestTranslator {
    /// Anthropic requires `max_tokens`; OpenAI clients often leave it out.
    static let defaultMaxTokens = 4096

    static func translate(_ request: ChatCompletionRequest, model: String) throws(TranslationError) -> AnthropicWire.Request {
        var system: [String] = []
        var messages: [AnthropicWire.Message] = []
        for (index, message) in request.messages.enumerated() {
            switch message.role {
            case .system, .developer:
                if !message.text.isEmpty { system.append(message.text) }
            case .user:
                append("user", try blocks(of: message.content, at: index), to: &messages)
            case .assistant:
                var content = try blocks(of: message.content, at: index)
                for call in message.toolCalls ?? [] {
                    content.append(AnthropicWire.Block(
                        type: "tool_use", id: call.id, name: call.function.name,
                        input: WireJSON.argumentsObject(call.function.arguments)))
                }
                append("assistant", content, to: &messages)
            case .tool, .function:
                // Tool results are user content in Anthropic's model of a conversation.
                var result = AnthropicWire.Block(type: "tool_result")
                result.toolUseID = message.toolCallID ?? message.name
                let content = try blocks(of: message.content, at: index)
                result.content = content.isEmpty ? nil : .blocks(content)
                append("user", [result], to: &messages)
            }
        }

        var out = AnthropicWire.Request(model: model, messages: messages)
        out.system = system.isEmpty ? nil : .text(system.joined(separator: "\n\n"))
        out.maxTokens = request.maxCompletionTokens ?? request.maxTokens ?? defaultMaxTokens
        out.stopSequences = request.stop?.values
        out.temperature = request.temperature
        out.topP = request.topP
        out.stream = request.stream == true ? true : nil
        out.metadata = request.user.map { AnthropicWire.Metadata(userID: $0) }
        if let tools = request.tools, !tools.isEmpty {
            out.tools = tools.map { tool in
                AnthropicWire.Tool(
                    name: tool.function.name, description: tool.function.description,
                    inputSchema: tool.function.parameters ?? .object(["type": .string("object"), "properties": .object([:])]))
            }
            out.toolChoice = toolChoice(request.toolChoice)
        }
        return out
    }

    /// Anthropic wants user and assistant turns to alternate, so consecutive messages of one
    /// role (a run of tool results, a system note between user lines) become one turn.
    private static func append(_ role: String, _ blocks: [AnthropicWire.Block], to messages: inout [AnthropicWire.Message]) {
        guard !blocks.isEmpty else { return }
        if let last = messages.last, last.role == role {
            messages[messages.count - 1].content = .blocks(last.content.blocks + blocks)
        } else {
            messages.append(AnthropicWire.Message(role: role, content: .blocks(blocks)))
        }
    }

    private static func toolChoice(_ choice: JSONValue?) -> AnthropicWire.ToolChoice? {
        switch choice {
        case .string("auto"): AnthropicWire.ToolChoice(type: "auto")
        case .string("required"): AnthropicWire.ToolChoice(type: "any")
        case .string("none"): AnthropicWire.ToolChoice(type: "none")
        case .object:
            choice?["function"]?["name"]?.stringValue.map { AnthropicWire.ToolChoice(type: "tool", name: $0) }
        default: nil
        }
    }

    static func blocks(of content: MessageContent?, at index: Int) throws(TranslationError) -> [AnthropicWire.Block] {
        switch content {
        case nil: return []
        // Anthropic refuses empty text blocks.
        case .text(let text): return text.isEmpty ? [] : [AnthropicWire.Block(type: "text", text: text)]
        case .parts(let parts):
            var out: [AnthropicWire.Block] = []
            for part in parts {
                if let block = try self.block(part, at: index) { out.append(block) }
            }
            return out
        }
    }

    private static func block(_ part: ContentPart, at index: Int) throws(TranslationError) -> AnthropicWire.Block? {
        switch part {
        case .text(let text), .refusal(let text):
            return text.isEmpty ? nil : AnthropicWire.Block(type: "text", text: text)
        case .imageURL(let image):
            if let uri = DataURI(image.url) {
                return AnthropicWire.Block(type: "image", source: .init(type: "base64", mediaType: uri.mimeType, data: String(uri.base64)))
            }
            // Anthropic fetches URL images itself.
            return AnthropicWire.Block(type: "image", source: .init(type: "url", url: image.url))
        case .file(let file):
            guard let data = file.fileData else {
                throw TranslationError("messages[\(index)]: Anthropic needs a file's bytes ('file_data'); OpenAI file ids cannot be sent to it.")
            }
            let uri = DataURI(data)
            let type = uri?.mimeType ?? MediaTypes.guess(fromURL: file.filename ?? "", fallback: "application/pdf")
            guard type == "application/pdf" else {
                throw TranslationError("messages[\(index)]: Anthropic accepts PDF documents only, not '\(type)'.")
            }
            var block = AnthropicWire.Block(type: "document", source: .init(type: "base64", mediaType: type, data: uri.map { String($0.base64) } ?? data))
            block.title = file.filename
            return block
        case .inputAudio:
            throw TranslationError("messages[\(index)]: Anthropic models do not accept audio input.")
        case .videoURL:
            throw TranslationError("messages[\(index)]: Anthropic models do not accept video input.")
        }
    }
}

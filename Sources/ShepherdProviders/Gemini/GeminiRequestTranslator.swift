import ShepherdCore

/// OpenAI Chat Completions request → Gemini `generateContent` request.
enum GeminiRequestTranslator {
    static func translate(_ request: ChatCompletionRequest) throws(TranslationError) -> GeminiWire.Request {
        var system: [GeminiWire.Part] = []
        var contents: [GeminiWire.Content] = []
        // Gemini names a function response by the function's name, OpenAI by the call's id.
        var callNames: [String: String] = [:]

        for (index, message) in request.messages.enumerated() {
            switch message.role {
            case .system, .developer:
                system += try parts(of: message.content, at: index)
            case .user:
                append(GeminiWire.Content(role: "user", parts: try parts(of: message.content, at: index)), to: &contents)
            case .assistant:
                var modelParts = try parts(of: message.content, at: index)
                for (position, call) in (message.toolCalls ?? []).enumerated() {
                    callNames[call.id] = call.function.name
                    // Gemini 3 checks the first call of each turn for its signature.
                    let signature = GeminiToolCallID.signature(in: call.id)
                        ?? (position == 0 ? GeminiToolCallID.placeholderSignature : nil)
                    modelParts.append(GeminiWire.Part(
                        functionCall: .init(name: call.function.name, args: WireJSON.argumentsObject(call.function.arguments)),
                        thoughtSignature: signature))
                }
                append(GeminiWire.Content(role: "model", parts: modelParts), to: &contents)
            case .tool, .function:
                let name: String
                if message.role == .function, let own = message.name {
                    name = own
                } else if let id = message.toolCallID, let known = callNames[id] {
                    name = known
                } else {
                    throw TranslationError(
                        "messages[\(index)]: tool_call_id '\(message.toolCallID ?? "")' matches no earlier assistant tool call; Gemini needs the function's name.")
                }
                let response = GeminiWire.FunctionResponse(name: name, response: toolResult(message.text))
                append(GeminiWire.Content(role: "user", parts: [GeminiWire.Part(functionResponse: response)]), to: &contents)
            }
        }

        var out = GeminiWire.Request(contents: contents)
        if !system.isEmpty { out.systemInstruction = GeminiWire.Content(role: nil, parts: system) }
        if let tools = request.tools, !tools.isEmpty {
            out.tools = [GeminiWire.Tool(functionDeclarations: tools.map { tool in
                GeminiWire.FunctionDeclaration(
                    name: tool.function.name, description: tool.function.description,
                    parameters: tool.function.parameters.map(GeminiSchema.fromJSONSchema))
            })]
        }
        out.toolConfig = toolConfig(request.toolChoice)
        let config = try generationConfig(request)
        out.generationConfig = config.isEmpty ? nil : config
        return out
    }

    /// Gemini wants the turns of one role together: a run of tool results is one `user`
    /// turn answering the model's calls.
    private static func append(_ content: GeminiWire.Content, to contents: inout [GeminiWire.Content]) {
        guard !content.parts.isEmpty else { return }
        if let last = contents.last, last.role == content.role {
            contents[contents.count - 1].parts += content.parts
        } else {
            contents.append(content)
        }
    }

    /// A function response must be an object; a JSON object result is passed as it is,
    /// anything else under `content`.
    private static func toolResult(_ text: String) -> JSONValue {
        if let value = try? WireJSON.decode(JSONValue.self, from: text), case .object = value { return value }
        return .object(["content": .string(text)])
    }

    static func parts(of content: MessageContent?, at index: Int) throws(TranslationError) -> [GeminiWire.Part] {
        switch content {
        case nil: return []
        case .text(let text): return text.isEmpty ? [] : [GeminiWire.Part(text: text)]
        case .parts(let parts):
            var out: [GeminiWire.Part] = []
            for part in parts { out.append(try self.part(part, at: index)) }
            return out
        }
    }

    private static func part(_ part: ContentPart, at index: Int) throws(TranslationError) -> GeminiWire.Part {
        switch part {
        case .text(let text), .refusal(let text):
            return GeminiWire.Part(text: text)
        case .imageURL(let image):
            return media(image.url, fallbackType: "image/jpeg")
        case .videoURL(let url):
            return media(url, fallbackType: "video/mp4")
        case .inputAudio(let audio):
            return GeminiWire.Part(inlineData: .init(mimeType: MediaTypes.audio(format: audio.format), data: audio.data))
        case .file(let file):
            if let data = file.fileData {
                if let uri = DataURI(data) {
                    return GeminiWire.Part(inlineData: .init(mimeType: uri.mimeType, data: String(uri.base64)))
                }
                // Bare base64: the filename's extension says what it is; PDF is the common case.
                let type = MediaTypes.guess(fromURL: file.filename ?? "", fallback: "application/pdf")
                return GeminiWire.Part(inlineData: .init(mimeType: type, data: data))
            }
            guard let id = file.fileID else {
                throw TranslationError("messages[\(index)]: a file part needs 'file_data' or 'file_id'.")
            }
            // A Files API URI (or any URL Gemini can read) uploaded beforehand.
            let type = MediaTypes.guess(fromURL: file.filename ?? id, fallback: "application/pdf")
            return GeminiWire.Part(fileData: .init(mimeType: type, fileUri: id))
        }
    }

    /// A data URI goes inline. An http(s) URL goes by reference in `fileData`: Gemini
    /// fetches public URLs (and YouTube links) itself, whereas fetching them here would
    /// make the gateway download arbitrary URLs on a client's behalf (server-side request
    /// forgery, unbounded memory, added latency).
    private static func media(_ url: String, fallbackType: String) -> GeminiWire.Part {
        if let uri = DataURI(url) {
            return GeminiWire.Part(inlineData: .init(mimeType: uri.mimeType, data: String(uri.base64)))
        }
        return GeminiWire.Part(fileData: .init(mimeType: MediaTypes.guess(fromURL: url, fallback: fallbackType), fileUri: url))
    }

    private static func toolConfig(_ choice: JSONValue?) -> GeminiWire.ToolConfig? {
        let config: GeminiWire.FunctionCallingConfig
        switch choice {
        case .string("none"): config = .init(mode: "NONE")
        case .string("auto"): config = .init(mode: "AUTO")
        case .string("required"): config = .init(mode: "ANY")
        case .object:
            guard let name = choice?["function"]?["name"]?.stringValue else { return nil }
            config = .init(mode: "ANY", allowedFunctionNames: [name])
        default: return nil
        }
        return GeminiWire.ToolConfig(functionCallingConfig: config)
    }

    private static func generationConfig(_ request: ChatCompletionRequest) throws(TranslationError) -> GeminiWire.GenerationConfig {
        var config = GeminiWire.GenerationConfig()
        config.temperature = request.temperature
        config.topP = request.topP
        config.maxOutputTokens = request.maxCompletionTokens ?? request.maxTokens
        config.stopSequences = request.stop?.values
        config.candidateCount = request.n
        switch request.responseFormat?["type"]?.stringValue {
        case "json_object":
            config.responseMimeType = "application/json"
        case "json_schema":
            config.responseMimeType = "application/json"
            guard let schema = request.responseFormat?["json_schema"]?["schema"] else {
                throw TranslationError("response_format.json_schema.schema is required.")
            }
            config.responseSchema = GeminiSchema.fromJSONSchema(schema)
        default:
            break
        }
        return config
    }
}

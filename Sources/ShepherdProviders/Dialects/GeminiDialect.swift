import ShepherdCore

/// The Gemini dialect of the gateway (`POST /v1beta/models/{model}:generateContent` and
/// `:streamGenerateContent`): a client's request becomes a Chat Completions request, routed
/// like any other; the OpenAI answer, stream or error goes back in Gemini's format.
public enum GeminiDialect {
    /// Splits the last path segment, `gemini-2.5-flash:generateContent`, into the model
    /// and whether the client wants a stream; `nil` for any other method.
    public static func modelAndMethod(_ segment: String) -> (model: String, stream: Bool)? {
        guard let colon = segment.lastIndex(of: ":") else { return nil }
        let model = String(segment[..<colon])
        guard !model.isEmpty else { return nil }
        switch segment[segment.index(after: colon)...] {
        case "generateContent": return (model, false)
        case "streamGenerateContent": return (model, true)
        default: return nil
        }
    }

    /// A `generateContent` body → Chat Completions request body (parse it with
    /// `InboundChatRequest(body:)`). The model comes from the path; a stream asks for usage,
    /// which the last streamed `GenerateContentResponse` carries.
    public static func chatRequest(fromGenerateContent body: [UInt8], model: String, stream: Bool) throws(GatewayError) -> [UInt8] {
        var body = body
        if GeminiKeyNames.needsRewrite(body) {
            let raw = try DialectSupport.decode(JSONValue.self, from: body)
            body = try DialectSupport.encode(GeminiKeyNames.camelCased(raw))
        }
        let request = try DialectSupport.decode(GeminiWire.Request.self, from: body)
        var messages: [ChatMessage] = []
        if let system = request.systemInstruction {
            let text = system.parts.compactMap(\.text).joined(separator: "\n")
            if !text.isEmpty { messages.append(.system(text)) }
        }
        var inbound = GeminiInbound()
        for (index, content) in request.contents.enumerated() {
            messages += try inbound.messages(content, at: index)
        }
        let publicModel = model.hasPrefix("models/") ? String(model.dropFirst(7)) : model
        var out = ChatCompletionRequest(model: publicModel, messages: messages, stream: stream ? true : nil)
        if stream { out.streamOptions = StreamOptions(includeUsage: true) }
        if let config = request.generationConfig {
            out.temperature = config.temperature
            out.topP = config.topP
            out.maxTokens = config.maxOutputTokens
            out.stop = config.stopSequences.map(StopSequences.init)
            out.n = config.candidateCount
            out.responseFormat = responseFormat(config)
        }
        let declarations = (request.tools ?? []).flatMap { $0.functionDeclarations ?? [] }
        if !declarations.isEmpty {
            out.tools = declarations.map { declaration in
                let schema = declaration.parametersJsonSchema ?? declaration.parameters.map(GeminiSchema.toJSONSchema)
                return Tool(function: FunctionDefinition(name: declaration.name, description: declaration.description, parameters: schema))
            }
            out.toolChoice = request.toolConfig?.functionCallingConfig.flatMap(toolChoice)
        }
        return try DialectSupport.encode(out)
    }

    private static func responseFormat(_ config: GeminiWire.GenerationConfig) -> JSONValue? {
        guard config.responseMimeType == "application/json" else { return nil }
        guard let schema = config.responseJsonSchema ?? config.responseSchema.map(GeminiSchema.toJSONSchema) else {
            return .object(["type": .string("json_object")])
        }
        return .object([
            "type": .string("json_schema"),
            "json_schema": .object(["name": .string("response"), "schema": schema]),
        ])
    }

    private static func toolChoice(_ config: GeminiWire.FunctionCallingConfig) -> JSONValue? {
        switch config.mode?.uppercased() {
        case "NONE": return .string("none")
        case "AUTO": return .string("auto")
        case "ANY", "VALIDATED":
            if let names = config.allowedFunctionNames, names.count == 1 {
                return .object(["type": .string("function"), "function": .object(["name": .string(names[0])])])
            }
            return .string("required")
        default: return nil
        }
    }

    /// A `chat.completion` body → a `GenerateContentResponse` body.
    public static func generateContentResponse(fromChatCompletion body: [UInt8]) throws(GatewayError) -> [UInt8] {
        let completion: ChatCompletion
        do {
            completion = try WireJSON.decode(ChatCompletion.self, from: body)
        } catch {
            throw GatewayError(.upstreamError, "The upstream's answer was not a chat completion: \(error)")
        }
        let candidates = completion.choices.map { choice in
            GeminiWire.Candidate(
                content: content(text: choice.message.content ?? choice.message.refusal, calls: choice.message.toolCalls ?? []),
                finishReason: finishReason(choice.finishReason), index: choice.index)
        }
        let response = GeminiWire.Response(
            candidates: candidates, usageMetadata: completion.usage.map(usageMetadata),
            modelVersion: completion.model, responseId: completion.id)
        return try DialectSupport.encode(response)
    }

    static func content(text: String?, calls: [ToolCall]) -> GeminiWire.Content {
        var parts: [GeminiWire.Part] = []
        if let text, !text.isEmpty { parts.append(GeminiWire.Part(text: text)) }
        for call in calls {
            parts.append(GeminiWire.Part(
                functionCall: .init(name: call.function.name, args: WireJSON.argumentsObject(call.function.arguments)),
                thoughtSignature: GeminiToolCallID.signature(in: call.id)))
        }
        return GeminiWire.Content(role: "model", parts: parts)
    }

    static func finishReason(_ finish: String?) -> String? {
        switch finish {
        case nil: nil
        case "length": "MAX_TOKENS"
        case "content_filter": "SAFETY"
        default: "STOP"  // stop, tool_calls: Gemini ends a calling turn with STOP
        }
    }

    static func usageMetadata(_ usage: Usage) -> GeminiWire.UsageMetadata {
        GeminiWire.UsageMetadata(
            promptTokenCount: usage.promptTokens, candidatesTokenCount: usage.completionTokens,
            totalTokenCount: usage.promptTokens + usage.completionTokens,
            cachedContentTokenCount: usage.cachedTokens > 0 ? usage.cachedTokens : nil)
    }

    /// `{"error": {"code", "message", "status"}}`, sent with `error.status`.
    public static func errorBody(_ error: GatewayError) -> [UInt8] {
        var out = JSONWriter()
        out.beginObject()
        out.key("error")
        out.beginObject()
        out.key("code"); out.int(error.status)
        out.key("message"); out.string(error.message)
        out.key("status"); out.string(statusName(forStatus: error.status))
        out.endObject()
        out.endObject()
        return out.bytes
    }

    /// Google's canonical status name for an HTTP status (google.rpc.Code mapping).
    public static func statusName(forStatus status: Int) -> String {
        switch status {
        case 400, 413: "INVALID_ARGUMENT"
        case 401: "UNAUTHENTICATED"
        case 403: "PERMISSION_DENIED"
        case 404: "NOT_FOUND"
        case 405: "UNIMPLEMENTED"
        case 409: "ABORTED"
        case 429: "RESOURCE_EXHAUSTED"
        case 499: "CANCELLED"
        case 502, 503: "UNAVAILABLE"
        case 504: "DEADLINE_EXCEEDED"
        default: "INTERNAL"
        }
    }
}

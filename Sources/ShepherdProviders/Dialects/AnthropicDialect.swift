import ShepherdCore

/// The Anthropic Messages dialect of the gateway (`POST /v1/messages`): a client's Messages
/// request becomes a Chat Completions request, routed like any other; the OpenAI answer,
/// stream or error goes back in Anthropic's format.
public enum AnthropicDialect {
    /// A Messages request body → Chat Completions request body (parse it with
    /// `InboundChatRequest(body:)`). A streamed request asks for usage, which
    /// ``messagesStream(fromChatStream:)`` needs for its `message_delta`.
    public static func chatRequest(fromMessagesRequest body: [UInt8]) throws(GatewayError) -> [UInt8] {
        let request = try DialectSupport.decode(AnthropicWire.Request.self, from: body)
        var messages: [ChatMessage] = []
        if let system = request.system?.text, !system.isEmpty { messages.append(.system(system)) }
        for (index, message) in request.messages.enumerated() {
            switch message.role {
            case "user": messages += try AnthropicInbound.userMessages(message.content.blocks, at: index)
            case "assistant": messages.append(AnthropicInbound.assistantMessage(message.content.blocks))
            default:
                throw GatewayError(.invalidRequest, "messages.\(index).role: expected 'user' or 'assistant', got '\(message.role)'.", param: "messages.\(index).role")
            }
        }
        var out = ChatCompletionRequest(model: request.model, messages: messages, stream: request.stream, user: request.metadata?.userID)
        if request.stream == true { out.streamOptions = StreamOptions(includeUsage: true) }
        out.maxTokens = request.maxTokens
        out.temperature = request.temperature
        out.topP = request.topP
        out.stop = request.stopSequences.map(StopSequences.init)
        if let tools = request.tools, !tools.isEmpty {
            out.tools = tools.map { Tool(function: FunctionDefinition(name: $0.name, description: $0.description, parameters: $0.inputSchema)) }
            out.toolChoice = request.toolChoice.flatMap(AnthropicInbound.toolChoice)
        }
        return try DialectSupport.encode(out)
    }

    /// A `chat.completion` body → a Messages response body.
    public static func messagesResponse(fromChatCompletion body: [UInt8]) throws(GatewayError) -> [UInt8] {
        let completion: ChatCompletion
        do {
            completion = try WireJSON.decode(ChatCompletion.self, from: body)
        } catch {
            throw GatewayError(.upstreamError, "The upstream's answer was not a chat completion: \(error)")
        }
        let choice = completion.choices.first
        var content: [AnthropicWire.Block] = []
        if let text = choice?.message.content ?? choice?.message.refusal, !text.isEmpty {
            content.append(AnthropicWire.Block(type: "text", text: text))
        }
        for call in choice?.message.toolCalls ?? [] {
            content.append(AnthropicWire.Block(
                type: "tool_use", id: call.id, name: call.function.name, input: WireJSON.argumentsObject(call.function.arguments)))
        }
        let response = AnthropicWire.Response(
            id: messageID(completion.id), model: completion.model, content: content,
            stopReason: stopReason(choice?.finishReason), usage: usage(completion.usage))
        return try DialectSupport.encode(response)
    }

    /// `{"type": "error", "error": {"type", "message"}}`, sent with `error.status`.
    public static func errorBody(_ error: GatewayError) -> [UInt8] {
        var out = JSONWriter()
        out.beginObject()
        out.key("type"); out.string("error")
        out.key("error")
        out.beginObject()
        out.key("type"); out.string(errorType(forStatus: error.status))
        out.key("message"); out.string(error.message)
        out.endObject()
        out.endObject()
        return out.bytes
    }

    /// Anthropic's error type for an HTTP status; its SDKs pick exception classes by status.
    public static func errorType(forStatus status: Int) -> String {
        switch status {
        case 400, 405, 422: "invalid_request_error"
        case 401: "authentication_error"
        case 402: "billing_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 503, 529: "overloaded_error"
        case 504: "timeout_error"
        default: "api_error"
        }
    }

    static func messageID(_ id: String) -> String {
        id.hasPrefix("msg_") ? id : "msg_" + (id.hasPrefix("chatcmpl-") ? String(id.dropFirst(9)) : id)
    }

    static func stopReason(_ finish: String?) -> String {
        switch finish {
        case "length": "max_tokens"
        case "tool_calls", "function_call": "tool_use"
        case "content_filter": "refusal"
        default: "end_turn"
        }
    }

    /// OpenAI's prompt tokens include cached ones; Anthropic's `input_tokens` do not.
    static func usage(_ usage: Usage?) -> AnthropicWire.Usage {
        let cached = usage?.cachedTokens ?? 0
        return AnthropicWire.Usage(
            inputTokens: max(0, (usage?.promptTokens ?? 0) - cached), outputTokens: usage?.completionTokens ?? 0,
            cacheReadInputTokens: cached, cacheCreationInputTokens: 0)
    }
}

import ShepherdCore

/// Anthropic Messages response → OpenAI `chat.completion`.
enum AnthropicResponseTranslator {
    static func translate(_ response: AnthropicWire.Response, created: Int) -> ChatCompletion {
        var texts: [String] = []
        var calls: [ToolCall] = []
        for block in response.content {
            switch block.type {
            case "text": if let text = block.text { texts.append(text) }
            case "tool_use":
                calls.append(ToolCall(
                    id: block.id ?? "toolu_\(calls.count)",
                    function: FunctionCall(name: block.name ?? "", arguments: WireJSON.argumentsText(block.input ?? .object([:])))))
            default: break  // thinking and server-tool blocks have no OpenAI counterpart
            }
        }
        let message = ResponseMessage(content: texts.isEmpty ? nil : texts.joined(), toolCalls: calls.isEmpty ? nil : calls)
        return ChatCompletion(
            id: "chatcmpl-\(response.id)", created: created, model: response.model,
            choices: [ChatCompletion.Choice(index: 0, message: message, finishReason: finishReason(response.stopReason))],
            usage: usage(response.usage))
    }

    static func finishReason(_ reason: String?) -> String? {
        switch reason {
        case nil: nil
        case "max_tokens", "model_context_window_exceeded": "length"
        case "tool_use": "tool_calls"
        case "refusal": "content_filter"
        default: "stop"  // end_turn, stop_sequence, pause_turn
        }
    }

    /// Anthropic's `input_tokens` leave out cache reads and writes; OpenAI's prompt tokens
    /// count everything sent, cached reads among them.
    static func usage(_ usage: AnthropicWire.Usage) -> Usage {
        let cacheRead = usage.cacheReadInputTokens ?? 0
        let prompt = (usage.inputTokens ?? 0) + cacheRead + (usage.cacheCreationInputTokens ?? 0)
        return Usage(promptTokens: prompt, completionTokens: usage.outputTokens ?? 0, cachedTokens: cacheRead)
    }

    /// HTTP status for an error event inside a stream (which arrives under a 200).
    static func status(forErrorType type: String) -> Int {
        switch type {
        case "invalid_request_error": 400
        case "authentication_error": 401
        case "billing_error": 402
        case "permission_error": 403
        case "not_found_error": 404
        case "request_too_large": 413
        case "rate_limit_error": 429
        case "timeout_error": 504
        case "overloaded_error": 529
        default: 500
        }
    }
}

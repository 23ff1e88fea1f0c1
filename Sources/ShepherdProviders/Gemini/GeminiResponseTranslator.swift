import ShepherdCore

/// Gemini `GenerateContentResponse` → OpenAI `chat.completion`.
enum GeminiResponseTranslator {
    static func translate(_ response: GeminiWire.Response, id: String, created: Int, model: String) -> ChatCompletion {
        var choices: [ChatCompletion.Choice] = []
        for (position, candidate) in (response.candidates ?? []).enumerated() {
            let index = candidate.index ?? position
            let answer = Answer(candidate.content?.parts ?? [], callPrefix: "\(id)_\(index)")
            let message = ResponseMessage(content: answer.text, toolCalls: answer.toolCalls.isEmpty ? nil : answer.toolCalls)
            let finish = answer.toolCalls.isEmpty ? finishReason(candidate.finishReason) : "tool_calls"
            choices.append(ChatCompletion.Choice(index: index, message: message, finishReason: finish))
        }
        if choices.isEmpty {
            choices.append(blockedChoice(response.promptFeedback?.blockReason))
        }
        return ChatCompletion(
            id: id, created: created, model: response.modelVersion ?? model, choices: choices,
            usage: response.usageMetadata.map(usage))
    }

    /// No candidates: Gemini refused the prompt itself. OpenAI's closest answer is an empty
    /// message with a refusal and `content_filter`, which clients already handle.
    static func blockedChoice(_ reason: String?) -> ChatCompletion.Choice {
        var message = ResponseMessage(content: nil)
        message.refusal = "Gemini blocked the prompt (\(reason ?? "no candidates returned"))."
        return ChatCompletion.Choice(index: 0, message: message, finishReason: "content_filter")
    }

    /// The answer in a candidate's parts: text (reasoning summaries left out) and calls.
    struct Answer {
        var text: String?
        var toolCalls: [ToolCall] = []

        init(_ parts: [GeminiWire.Part], callPrefix: String, firstCallIndex: Int = 0) {
            var texts: [String] = []
            for part in parts {
                if let text = part.text, part.thought != true { texts.append(text) }
                if let call = part.functionCall {
                    let id = GeminiToolCallID.make(
                        callID: call.id, fallback: "call_\(callPrefix)_\(firstCallIndex + toolCalls.count)",
                        signature: part.thoughtSignature)
                    toolCalls.append(ToolCall(id: id, function: FunctionCall(name: call.name, arguments: WireJSON.argumentsText(call.args))))
                }
            }
            text = texts.isEmpty ? nil : texts.joined()
        }
    }

    static func finishReason(_ reason: String?) -> String? {
        switch reason {
        case nil: nil
        case "STOP", "FINISH_REASON_UNSPECIFIED", "OTHER", "MALFORMED_FUNCTION_CALL": "stop"
        case "MAX_TOKENS": "length"
        case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE":
            "content_filter"
        default: "stop"
        }
    }

    /// OpenAI counts reasoning in completion tokens and cached tokens inside prompt tokens;
    /// Gemini reports thoughts apart from candidates and cached tokens inside the prompt.
    static func usage(_ metadata: GeminiWire.UsageMetadata) -> Usage {
        Usage(
            promptTokens: metadata.promptTokenCount ?? 0,
            completionTokens: (metadata.candidatesTokenCount ?? 0) + (metadata.thoughtsTokenCount ?? 0),
            cachedTokens: metadata.cachedContentTokenCount)
    }
}

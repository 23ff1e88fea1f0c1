import ShepherdCore

/// Google's REST examples write request members in snake_case (`inline_data`,
/// `system_instruction`) and its SDKs in camelCase; the API accepts both, so the dialect
/// does too. Only Gemini's own member names are rewritten, never inside the free-form
/// values (function arguments and results, schemas) whose keys belong to the client.
enum GeminiKeyNames {
    private static let camelCase: [String: String] = [
        "system_instruction": "systemInstruction", "generation_config": "generationConfig",
        "safety_settings": "safetySettings", "cached_content": "cachedContent",
        "tool_config": "toolConfig", "function_calling_config": "functionCallingConfig",
        "allowed_function_names": "allowedFunctionNames", "function_declarations": "functionDeclarations",
        "inline_data": "inlineData", "file_data": "fileData", "mime_type": "mimeType", "file_uri": "fileUri",
        "function_call": "functionCall", "function_response": "functionResponse",
        "thought_signature": "thoughtSignature", "parameters_json_schema": "parametersJsonSchema",
        "max_output_tokens": "maxOutputTokens", "stop_sequences": "stopSequences",
        "candidate_count": "candidateCount", "response_mime_type": "responseMimeType",
        "response_schema": "responseSchema", "response_json_schema": "responseJsonSchema", "top_p": "topP",
    ]

    /// Members whose values are the client's own JSON.
    private static let opaque: Set<String> = [
        "args", "response", "parameters", "parametersJsonSchema", "responseSchema", "responseJsonSchema", "safetySettings",
    ]

    /// One pass over the bytes for a quoted snake_case member name; camelCase bodies
    /// (every SDK's) skip the rewrite, and megabytes of base64 are scanned only once.
    static func needsRewrite(_ body: [UInt8]) -> Bool {
        let quote = UInt8(ascii: "\"")
        var index = 0
        while index < body.count {
            guard body[index] == quote else {
                index += 1
                continue
            }
            let limit = Swift.min(body.count, index + 32)
            var end = index + 1
            while end < limit, body[end] != quote { end += 1 }
            if end < limit, camelCase[String(decoding: body[(index + 1)..<end], as: UTF8.self)] != nil { return true }
            index += 1
        }
        return false
    }

    static func camelCased(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            var out: [String: JSONValue] = [:]
            for (key, member) in members {
                let name = camelCase[key] ?? key
                out[name] = opaque.contains(name) ? member : camelCased(member)
            }
            return .object(out)
        case .array(let items):
            return .array(items.map(camelCased))
        default:
            return value
        }
    }
}

/// Gemini API examples, copied from Google's documentation (page beside each); long
/// base64 payloads are shortened to a valid stub.
enum GeminiFixtures {
    // https://ai.google.dev/api/generate-content (text response), with
    // https://ai.google.dev/gemini-api/docs/thinking (thoughtsTokenCount) and
    // https://ai.google.dev/gemini-api/docs/caching (cachedContentTokenCount)
    static let textResponse = #"""
        {
          "candidates": [{
            "content": {"parts": [{"text": "Once upon a time, a magic backpack..."}], "role": "model"},
            "finishReason": "STOP",
            "index": 0,
            "safetyRatings": [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}]
          }],
          "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 387, "totalTokenCount": 425,
                            "thoughtsTokenCount": 30, "cachedContentTokenCount": 4},
          "modelVersion": "gemini-2.5-flash",
          "responseId": "resp-123"
        }
        """#

    // https://ai.google.dev/gemini-api/docs/function-calling (schedule_meeting)
    static let functionCallResponse = #"""
        {
          "candidates": [{
            "content": {"role": "model", "parts": [{
              "functionCall": {"name": "schedule_meeting",
                "args": {"attendees": ["Bob", "Alice"], "date": "2025-03-27", "time": "10:00", "topic": "Q3 planning"}},
              "thoughtSignature": "c2lnbmF0dXJl"
            }]},
            "finishReason": "STOP",
            "index": 0
          }],
          "usageMetadata": {"promptTokenCount": 120, "candidatesTokenCount": 30, "totalTokenCount": 150}
        }
        """#

    // https://ai.google.dev/gemini-api/docs/function-calling (request, REST), with
    // https://ai.google.dev/gemini-api/docs/image-understanding (inline_data) and
    // https://ai.google.dev/gemini-api/docs/text-generation (system_instruction), in the
    // snake_case these pages' curl examples use
    static let functionCallRequest = #"""
        {
          "system_instruction": {"parts": [{"text": "You are a scheduling assistant."}]},
          "contents": [
            {"role": "user", "parts": [
              {"text": "Schedule a meeting with Bob and Alice for 03/27/2025 at 10:00 AM about the Q3 planning."},
              {"inline_data": {"mime_type": "image/jpeg", "data": "/9j/4AAQSkZJRg=="}}
            ]},
            {"role": "model", "parts": [{"functionCall": {"name": "schedule_meeting",
              "args": {"attendees": ["Bob", "Alice"], "date": "2025-03-27", "time": "10:00", "topic": "Q3 planning"}}}]},
            {"role": "user", "parts": [{"functionResponse": {"name": "schedule_meeting", "response": {"result": "ok", "meeting_id": 7}}}]}
          ],
          "tools": [{"functionDeclarations": [{
            "name": "schedule_meeting",
            "description": "Schedules a meeting with specified attendees at a given time and date.",
            "parameters": {
              "type": "OBJECT",
              "properties": {
                "attendees": {"type": "ARRAY", "items": {"type": "STRING"}, "description": "List of people attending the meeting."},
                "date": {"type": "STRING", "description": "Date of the meeting (e.g., '2024-07-29')"},
                "time": {"type": "STRING", "description": "Time of the meeting (e.g., '15:00')"},
                "topic": {"type": "STRING", "description": "The subject or topic of the meeting."}
              },
              "required": ["attendees", "date", "time", "topic"]
            }
          }]}],
          "tool_config": {"function_calling_config": {"mode": "ANY", "allowed_function_names": ["schedule_meeting"]}},
          "generation_config": {"temperature": 0.2, "max_output_tokens": 256, "stop_sequences": ["END"], "top_p": 0.9}
        }
        """#

    // https://ai.google.dev/gemini-api/docs/text-generation (streaming, REST: `alt=sse`)
    static let textStream = """
        data: {"candidates": [{"content": {"parts": [{"text": "The"}],"role": "model"}}],"usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 8},"modelVersion": "gemini-2.0-flash"}\r
        \r
        data: {"candidates": [{"content": {"parts": [{"text": " quick brown fox"}],"role": "model"}}],"usageMetadata": {"promptTokenCount": 8,"totalTokenCount": 8},"modelVersion": "gemini-2.0-flash"}\r
        \r
        data: {"candidates": [{"content": {"parts": [{"text": " jumps."}],"role": "model"},"finishReason": "STOP"}],"usageMetadata": {"promptTokenCount": 8,"candidatesTokenCount": 12,"totalTokenCount": 20},"modelVersion": "gemini-2.0-flash"}\r
        \r

        """

    // https://ai.google.dev/gemini-api/docs/troubleshooting (error codes)
    static let invalidKeyError = #"{"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT"}}"#
    static let quotaError = #"{"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}}"#

    // https://ai.google.dev/api/generate-content#PromptFeedback (a blocked prompt)
    static let blockedPrompt = #"{"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": []}, "usageMetadata": {"promptTokenCount": 9, "totalTokenCount": 9}}"#
}

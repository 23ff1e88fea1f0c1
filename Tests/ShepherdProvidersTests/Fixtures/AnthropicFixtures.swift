/// Anthropic Messages API examples, copied from Anthropic's documentation (page beside
/// each); long base64 payloads are shortened to a valid stub.
enum AnthropicFixtures {
    // https://docs.anthropic.com/en/api/messages (example response)
    static let textResponse = #"""
        {
          "content": [{"text": "Hi! My name is Claude.", "type": "text"}],
          "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
          "model": "claude-sonnet-4-20250514",
          "role": "assistant",
          "stop_reason": "end_turn",
          "stop_sequence": null,
          "type": "message",
          "usage": {"input_tokens": 2095, "output_tokens": 503}
        }
        """#

    // https://docs.anthropic.com/en/docs/build-with-claude/tool-use/overview (tool use
    // response; the page elides `type` and `usage`, added here as the API sends them)
    static let toolUseResponse = #"""
        {
          "id": "msg_01Aq9w938a90dw8q",
          "type": "message",
          "model": "claude-opus-4-1-20250805",
          "stop_reason": "tool_use",
          "role": "assistant",
          "content": [
            {"type": "text", "text": "I'll check the current weather in San Francisco for you."},
            {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather",
             "input": {"location": "San Francisco, CA", "unit": "celsius"}}
          ],
          "usage": {"input_tokens": 472, "output_tokens": 89, "cache_read_input_tokens": 100, "cache_creation_input_tokens": 20}
        }
        """#

    // https://docs.anthropic.com/en/docs/build-with-claude/tool-use/overview (request with
    // tools, then the tool result turn), with an image
    // (https://docs.anthropic.com/en/docs/build-with-claude/vision) and a PDF
    // (https://docs.anthropic.com/en/docs/build-with-claude/pdf-support)
    static let toolRequest = #"""
        {
          "model": "claude-opus-4-1-20250805",
          "max_tokens": 1024,
          "system": [{"type": "text", "text": "You are a weather bot."}],
          "tools": [{
            "name": "get_weather",
            "description": "Get the current weather in a given location",
            "input_schema": {
              "type": "object",
              "properties": {"location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"}},
              "required": ["location"]
            }
          }],
          "tool_choice": {"type": "any"},
          "messages": [
            {"role": "user", "content": [
              {"type": "text", "text": "What's the weather like in San Francisco?"},
              {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQSkZJRg=="}},
              {"type": "image", "source": {"type": "url", "url": "https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg"}},
              {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjQK"}}
            ]},
            {"role": "assistant", "content": [
              {"type": "text", "text": "I'll check."},
              {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather", "input": {"location": "San Francisco, CA"}}
            ]},
            {"role": "user", "content": [
              {"type": "tool_result", "tool_use_id": "toolu_01A09q90qw90lq917835lq9", "content": "15 degrees"},
              {"type": "text", "text": "And in Celsius?"}
            ]}
          ]
        }
        """#

    // https://docs.anthropic.com/en/docs/build-with-claude/streaming (basic streaming request)
    static let textStream = """
        event: message_start
        data: {"type": "message_start", "message": {"id": "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", "type": "message", "role": "assistant", "content": [], "model": "claude-opus-4-20250514", "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 25, "output_tokens": 1}}}

        event: content_block_start
        data: {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}

        event: ping
        data: {"type": "ping"}

        event: content_block_delta
        data: {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}}

        event: content_block_delta
        data: {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "!"}}

        event: content_block_stop
        data: {"type": "content_block_stop", "index": 0}

        event: message_delta
        data: {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence":null}, "usage": {"output_tokens": 15}}

        event: message_stop
        data: {"type": "message_stop"}


        """

    // https://docs.anthropic.com/en/docs/build-with-claude/streaming (streaming request with tool use)
    static let toolStream = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-opus-4-1-20250805","stop_sequence":null,"usage":{"input_tokens":472,"output_tokens":2},"content":[],"stop_reason":null}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: ping
        data: {"type": "ping"}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":", let's check the weather for San Francisco, CA:"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: content_block_start
        data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"location\\":"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \\"San Francisco, CA\\", \\"unit\\": \\"fahrenheit\\"}"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":1}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}

        event: message_stop
        data: {"type":"message_stop"}


        """

    // https://docs.anthropic.com/en/api/errors
    static let overloadedError = #"{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}"#
    static let invalidRequestError = #"{"type": "error", "error": {"type": "invalid_request_error", "message": "messages: roles must alternate"}}"#
}

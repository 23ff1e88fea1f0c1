"""Round trips with Anthropic's and Google's official Python SDKs as real clients.

`anthropic` talks to `POST /v1/messages` and `google-genai` to
`/v1beta/models/{model}:generateContent` / `:streamGenerateContent`, both pointed at
the gateway's root URL and answered by the session gateway's `mock` target (conftest.py):
the mock echoes the last user message (an image as "[image]") and calls the first tool
offered, so every answer here is known in advance.
"""

from __future__ import annotations

import base64

import anthropic
import pytest
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from conftest import SDK_TIMEOUT_S

# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)

WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
}


def _anthropic(gateway, key: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        api_key=key, base_url=gateway.root, max_retries=0, timeout=SDK_TIMEOUT_S
    )


def _genai(gateway, key: str) -> genai.Client:
    return genai.Client(
        api_key=key,
        http_options=types.HttpOptions(
            base_url=gateway.root,
            timeout=int(SDK_TIMEOUT_S * 1000),
            retry_options=types.HttpRetryOptions(attempts=1),
        ),
    )


@pytest.fixture
def claude(gateway):
    c = _anthropic(gateway, gateway.keys["full"]["key"])
    yield c
    c.close()


@pytest.fixture
def gemini(gateway):
    c = _genai(gateway, gateway.keys["full"]["key"])
    yield c
    c.close()


# -- Anthropic Messages --------------------------------------------------------


def test_anthropic_text(claude):
    raw = claude.messages.with_raw_response.create(
        model="chat",
        max_tokens=64,
        system="Be brief.",
        messages=[{"role": "user", "content": "Hello from the anthropic SDK"}],
    )
    assert raw.headers["x-shepherd-provider"] == "sim"
    assert raw.headers["x-shepherd-model"] == "gpt-4o"
    assert float(raw.headers["x-shepherd-cost-usd"]) > 0
    message = raw.parse()
    assert message.type == "message" and message.role == "assistant"
    assert message.id.startswith("msg_")
    assert message.content[0].type == "text"
    assert message.content[0].text == "Hello from the anthropic SDK"
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0


def test_anthropic_image(claude):
    message = claude.messages.create(
        model="chat",
        max_tokens=64,
        messages=[
            {
                "role": "user",
                "content": [
                    {
                        "type": "image",
                        "source": {
                            "type": "base64",
                            "media_type": "image/png",
                            "data": base64.b64encode(PNG).decode(),
                        },
                    },
                    {"type": "text", "text": "What is in this image?"},
                ],
            }
        ],
    )
    assert message.content[0].text == "[image] What is in this image?"


def test_anthropic_stream(claude):
    with claude.messages.stream(
        model="chat",
        max_tokens=64,
        messages=[{"role": "user", "content": "one two three four"}],
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "one two three four"
    assert final.content[0].text == "one two three four"
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens > 0


def test_anthropic_tool_use_round_trip(claude):
    tools = [{"name": "get_weather", "description": "Current weather", "input_schema": WEATHER_SCHEMA}]
    question = {"role": "user", "content": "Weather in Paris?"}
    first = claude.messages.create(model="chat", max_tokens=64, tools=tools, messages=[question])
    assert first.stop_reason == "tool_use"
    call = next(block for block in first.content if block.type == "tool_use")
    assert call.name == "get_weather"
    assert isinstance(call.input, dict)

    # The tool's result goes back; the mock answers with it as text.
    second = claude.messages.create(
        model="chat",
        max_tokens=64,
        tools=tools,
        messages=[
            question,
            {"role": "assistant", "content": [block.model_dump() for block in first.content]},
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "18 C and sunny"}],
            },
        ],
    )
    assert second.stop_reason == "end_turn"
    assert second.content[0].text == "18 C and sunny"


def test_anthropic_tool_use_stream(claude):
    tools = [{"name": "get_weather", "description": "Current weather", "input_schema": WEATHER_SCHEMA}]
    with claude.messages.stream(
        model="chat", max_tokens=64, tools=tools, messages=[{"role": "user", "content": "Weather?"}]
    ) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use"
    call = next(block for block in final.content if block.type == "tool_use")
    assert call.name == "get_weather"
    assert isinstance(call.input, dict)


def test_anthropic_errors(gateway, claude):
    hello = [{"role": "user", "content": "hi"}]
    bad_key = _anthropic(gateway, "sk-shep-not-a-real-key")
    try:
        with pytest.raises(anthropic.AuthenticationError) as info:
            bad_key.messages.create(model="chat", max_tokens=8, messages=hello)
        assert info.value.status_code == 401
        assert info.value.body["error"]["type"] == "authentication_error"
        assert info.value.response.headers.get("x-request-id", "").startswith("req_")
    finally:
        bad_key.close()

    with pytest.raises(anthropic.NotFoundError) as info:
        claude.messages.create(model="no-such-model", max_tokens=8, messages=hello)
    assert info.value.body["error"]["type"] == "not_found_error"
    assert "no-such-model" in info.value.message

    with pytest.raises(anthropic.BadRequestError) as info:
        claude.messages.create(model="chat", max_tokens=8, messages=[{"role": "robot", "content": "hi"}])
    assert info.value.body["error"]["type"] == "invalid_request_error"
    assert "messages.0.role" in info.value.message


# -- Gemini generateContent ----------------------------------------------------


def test_gemini_text(gemini):
    response = gemini.models.generate_content(
        model="chat",
        contents="Hello from the genai SDK",
        config=types.GenerateContentConfig(
            system_instruction="Be brief.", max_output_tokens=64, temperature=0.2
        ),
    )
    assert response.text == "Hello from the genai SDK"
    assert response.candidates[0].finish_reason == types.FinishReason.STOP
    assert response.usage_metadata.prompt_token_count > 0
    assert response.usage_metadata.candidates_token_count > 0
    headers = response.sdk_http_response.headers
    assert headers["x-shepherd-provider"] == "sim"
    assert float(headers["x-shepherd-cost-usd"]) > 0


def test_gemini_image(gemini):
    response = gemini.models.generate_content(
        model="chat",
        contents=[types.Part.from_bytes(data=PNG, mime_type="image/png"), "Describe this image"],
    )
    assert response.text == "[image] Describe this image"


def test_gemini_stream(gemini):
    chunks = list(
        gemini.models.generate_content_stream(model="chat", contents="one two three four")
    )
    assert "".join(chunk.text or "" for chunk in chunks) == "one two three four"
    assert len(chunks) > 1
    last = chunks[-1]
    assert last.candidates[0].finish_reason == types.FinishReason.STOP
    assert last.usage_metadata.total_token_count > 0


def test_gemini_tool_use_round_trip(gemini):
    weather = types.Tool(
        function_declarations=[
            types.FunctionDeclaration(
                name="get_weather", description="Current weather", parameters_json_schema=WEATHER_SCHEMA
            )
        ]
    )
    config = types.GenerateContentConfig(tools=[weather])
    question = types.Content(role="user", parts=[types.Part.from_text(text="Weather in Paris?")])
    first = gemini.models.generate_content(model="chat", contents=[question], config=config)
    assert first.function_calls and first.function_calls[0].name == "get_weather"

    # The function's result goes back; the mock answers with it as text.
    result = types.Part.from_function_response(name="get_weather", response={"forecast": "18 C"})
    second = gemini.models.generate_content(
        model="chat",
        contents=[question, first.candidates[0].content, types.Content(role="user", parts=[result])],
        config=config,
    )
    assert not second.function_calls
    assert "18 C" in second.text


def test_gemini_tool_use_stream(gemini):
    weather = types.Tool(
        function_declarations=[
            types.FunctionDeclaration(
                name="get_weather", description="Current weather", parameters_json_schema=WEATHER_SCHEMA
            )
        ]
    )
    chunks = list(
        gemini.models.generate_content_stream(
            model="chat", contents="Weather?", config=types.GenerateContentConfig(tools=[weather])
        )
    )
    calls = [call for chunk in chunks for call in (chunk.function_calls or [])]
    assert [call.name for call in calls] == ["get_weather"]


def test_gemini_errors(gateway, gemini):
    bad_key = _genai(gateway, "sk-shep-not-a-real-key")
    try:
        with pytest.raises(genai_errors.ClientError) as info:
            bad_key.models.generate_content(model="chat", contents="hi")
        assert info.value.code == 401
        assert info.value.status == "UNAUTHENTICATED"
    finally:
        bad_key.close()

    with pytest.raises(genai_errors.ClientError) as info:
        gemini.models.generate_content(model="no-such-model", contents="hi")
    assert info.value.code == 404
    assert info.value.status == "NOT_FOUND"
    assert "no-such-model" in info.value.message

    with pytest.raises(genai_errors.ClientError) as info:
        gemini.models.generate_content(
            model="chat", contents=types.Content(role="robot", parts=[types.Part.from_text(text="hi")])
        )
    assert info.value.code == 400
    assert info.value.status == "INVALID_ARGUMENT"

    # Errors in a stream's opening answer surface the same way.
    with pytest.raises(genai_errors.ClientError) as info:
        list(gemini.models.generate_content_stream(model="no-such-model", contents="hi"))
    assert info.value.code == 404

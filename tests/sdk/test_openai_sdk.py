"""Drive a running Shepherd gateway with the official `openai` Python SDK, as users do.

Contract: shared/SPEC.md §2–§4. The gateway fixture (conftest.py) runs `shepherd serve`
with mock providers:
  chat   -> sim/gpt-4o       (priced: see conftest PRICE_INPUT / PRICE_OUTPUT)
  other  -> sim/gpt-4o-mini
  broken -> down/x           (mock, always HTTP 500)
  leaky  -> a local fake OpenAI-compatible upstream that answers 500 and reflects the
            upstream key it was sent in its error message
"""

from __future__ import annotations

import base64
import json
import struct
import time
import uuid
import zlib
from decimal import Decimal

import httpx2 as httpx  # the HTTP client this openai release is built on
import openai
import pytest

from conftest import PRICE_INPUT, PRICE_OUTPUT, UPSTREAM_SECRET

ERROR_KEYS = {"message", "type", "param", "code"}


# --------------------------------------------------------------------------- helpers


def unique_text(prefix: str = "ping") -> str:
    return f"{prefix} {uuid.uuid4().hex[:12]} over the wire"


def tiny_png() -> bytes:
    """A valid 1x1 RGBA PNG, built here so no file is needed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00\xff")  # filter byte + one red pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def error_envelope(err: openai.APIStatusError) -> dict:
    """The raw JSON body, checked to be the OpenAI error envelope of SPEC §4."""
    body = err.response.json()
    assert set(body) == {"error"}, f"not an OpenAI error envelope: {body}"
    inner = body["error"]
    assert set(inner) == ERROR_KEYS, f"error object keys {set(inner)} != {ERROR_KEYS}: {body}"
    assert isinstance(inner["message"], str) and inner["message"].strip(), body
    assert isinstance(inner["type"], str) and inner["type"], body
    return inner


def assert_sdk_error(err: openai.APIStatusError, status: int, code: str) -> dict:
    inner = error_envelope(err)
    assert err.status_code == status, (err.status_code, inner)
    assert inner["code"] == code, inner
    # The SDK surfaces the same fields on the exception.
    assert err.code == code
    assert err.type == inner["type"]
    assert err.body == inner
    return inner


def weather_tool(name: str = "get_weather") -> dict:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": f"{name} for a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }


# --------------------------------------------------------------------------- 1. plain


def test_plain_completion_echoes_text_with_usage_and_headers(client):
    text = unique_text("plain")
    raw = client.chat.completions.with_raw_response.create(
        model="chat",
        messages=[
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": text},
        ],
    )
    completion = raw.parse()

    assert raw.status_code == 200
    assert completion.object == "chat.completion"
    assert completion.id
    assert len(completion.choices) == 1
    choice = completion.choices[0]
    assert choice.index == 0
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    assert choice.message.content == text
    assert not choice.message.tool_calls

    usage = completion.usage
    assert usage is not None
    assert usage.prompt_tokens > 0
    assert usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens

    headers = raw.headers
    assert headers.get("x-shepherd-provider") == "sim"
    assert headers.get("x-shepherd-model") == "gpt-4o"
    assert headers.get("x-request-id"), dict(headers)
    assert headers.get("x-shepherd-attempts") == "1"

    # sim/gpt-4o has a configured price: the cost header must match the usage.
    cost = headers.get("x-shepherd-cost-usd")
    assert cost is not None, f"no x-shepherd-cost-usd on a priced target: {dict(headers)}"
    expected = (
        Decimal(usage.prompt_tokens) * Decimal(str(PRICE_INPUT))
        + Decimal(usage.completion_tokens) * Decimal(str(PRICE_OUTPUT))
    ) / Decimal(1_000_000)
    assert abs(Decimal(cost) - expected) < Decimal("1e-9"), (cost, expected, usage)


def test_request_ids_are_unique(client):
    ids = set()
    for _ in range(3):
        raw = client.chat.completions.with_raw_response.create(
            model="chat", messages=[{"role": "user", "content": unique_text()}]
        )
        ids.add(raw.headers.get("x-request-id"))
    assert None not in ids
    assert len(ids) == 3, ids


def test_other_model_routes_to_its_target(client):
    text = unique_text("other")
    raw = client.chat.completions.with_raw_response.create(
        model="other", messages=[{"role": "user", "content": text}]
    )
    assert raw.parse().choices[0].message.content == text
    assert raw.headers.get("x-shepherd-provider") == "sim"
    assert raw.headers.get("x-shepherd-model") == "gpt-4o-mini"


# --------------------------------------------------------------------------- 2. stream


def test_streaming_deltas_concatenate_to_text_and_usage_chunk_arrives(client):
    text = unique_text("stream")
    with client.chat.completions.with_streaming_response.create(
        model="chat",
        messages=[{"role": "user", "content": text}],
        stream=True,
        stream_options={"include_usage": True},
    ) as resp:
        assert resp.status_code == 200
        assert resp.headers.get("content-type", "").startswith("text/event-stream")
        assert resp.headers.get("x-request-id")
        assert resp.headers.get("x-shepherd-provider") == "sim"
        assert resp.headers.get("x-shepherd-model") == "gpt-4o"
        chunks = list(resp.parse())

    assert chunks, "no chunks streamed"
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert len({c.id for c in chunks}) == 1, "chunks of one stream must share one id"

    content = "".join(
        (ch.delta.content or "") for c in chunks for ch in c.choices
    )
    assert content == text

    with_choices = [c for c in chunks if c.choices]
    assert with_choices[-1].choices[0].finish_reason == "stop"
    # No chunk before the last one with choices is finished.
    assert all(ch.finish_reason is None for c in with_choices[:-1] for ch in c.choices)

    # include_usage: the final chunk carries usage and no choices.
    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None
    assert last.usage.prompt_tokens > 0
    assert last.usage.completion_tokens > 0
    assert last.usage.total_tokens == last.usage.prompt_tokens + last.usage.completion_tokens
    assert all(c.usage is None for c in chunks[:-1])


def test_streaming_without_include_usage_has_no_usage_chunk(client):
    text = unique_text("nousage")
    stream = client.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": text}], stream=True
    )
    chunks = list(stream)
    assert "".join((ch.delta.content or "") for c in chunks for ch in c.choices) == text
    assert all(c.usage is None for c in chunks)
    assert chunks[-1].choices and chunks[-1].choices[0].finish_reason == "stop"


# --------------------------------------------------------------------------- 3. images


PNG_DATA_URI = "data:image/png;base64," + base64.b64encode(tiny_png()).decode()


@pytest.mark.parametrize(
    "url",
    [PNG_DATA_URI, "https://example.com/images/cat.png"],
    ids=["data-uri-png", "https-url"],
)
def test_image_part_is_accepted(client, url):
    text = unique_text("describe")
    completion = client.chat.completions.create(
        model="chat",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": text},
                    {"type": "image_url", "image_url": {"url": url, "detail": "low"}},
                ],
            }
        ],
    )
    reply = completion.choices[0].message.content
    assert "[image]" in reply, reply
    assert text in reply, reply
    assert completion.usage and completion.usage.prompt_tokens > 0


# --------------------------------------------------------------------------- 4. tools


def test_tool_call_round_trip(client):
    question = "What is the weather in Paris?"
    messages = [{"role": "user", "content": question}]
    first = client.chat.completions.create(
        model="chat", messages=messages, tools=[weather_tool()]
    )
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    calls = choice.message.tool_calls
    assert calls and len(calls) == 1, choice.message
    call = calls[0]
    assert call.type == "function"
    assert call.id
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {}

    tool_result = json.dumps({"city": "Paris", "temp_c": 21, "sky": uuid.uuid4().hex[:8]})
    messages.append(choice.message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": tool_result})

    second = client.chat.completions.create(
        model="chat", messages=messages, tools=[weather_tool()]
    )
    answer = second.choices[0]
    assert answer.finish_reason == "stop"
    assert not answer.message.tool_calls
    assert answer.message.content == tool_result


def test_tool_choice_names_the_tool(client):
    completion = client.chat.completions.create(
        model="chat",
        messages=[{"role": "user", "content": "weather please"}],
        tools=[weather_tool("get_time"), weather_tool("get_weather")],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    calls = completion.choices[0].message.tool_calls
    assert completion.choices[0].finish_reason == "tool_calls"
    assert calls and calls[0].function.name == "get_weather"


def test_streamed_tool_call(client):
    stream = client.chat.completions.create(
        model="chat",
        messages=[{"role": "user", "content": "weather in Oslo?"}],
        tools=[weather_tool()],
        stream=True,
    )
    names, args, ids, finish = "", "", set(), None
    for chunk in stream:
        for ch in chunk.choices:
            for tc in ch.delta.tool_calls or []:
                assert tc.index == 0
                if tc.id:
                    ids.add(tc.id)
                if tc.function and tc.function.name:
                    names += tc.function.name
                if tc.function and tc.function.arguments:
                    args += tc.function.arguments
            if ch.finish_reason:
                finish = ch.finish_reason
    assert names == "get_weather"
    assert json.loads(args) == {}
    assert len(ids) == 1
    assert finish == "tool_calls"


# --------------------------------------------------------------------------- 5. errors


def test_no_key_is_authentication_error(gateway):
    sent: list[httpx.Request] = []
    http_client = openai.DefaultHttpxClient(event_hooks={"request": [sent.append]})
    c = gateway.client("unused", http_client=http_client)
    try:
        with pytest.raises(openai.AuthenticationError) as exc:
            c.chat.completions.create(
                model="chat",
                messages=[{"role": "user", "content": "hi"}],
                extra_headers={"Authorization": openai.Omit()},
            )
    finally:
        c.close()
    assert sent and "authorization" not in sent[-1].headers, "the SDK still sent a key"
    assert_sdk_error(exc.value, 401, "invalid_api_key")


@pytest.mark.parametrize(
    "bad_key",
    ["sk-shep-" + "0" * 40, "sk-totally-wrong", "not-even-a-key"],
    ids=["unknown-shep-key", "foreign-key", "garbage"],
)
def test_wrong_key_is_authentication_error(gateway, bad_key):
    c = gateway.client(bad_key)
    try:
        with pytest.raises(openai.AuthenticationError) as exc:
            c.chat.completions.create(model="chat", messages=[{"role": "user", "content": "hi"}])
        with pytest.raises(openai.AuthenticationError):
            c.models.list()
    finally:
        c.close()
    inner = assert_sdk_error(exc.value, 401, "invalid_api_key")
    assert bad_key not in exc.value.response.text, inner


def test_revoked_key_is_rejected_within_cache_window(gateway):
    key = gateway.keys["to_revoke"]
    c = gateway.client(key["key"])
    try:
        text = unique_text("before-revoke")
        ok = c.chat.completions.create(model="chat", messages=[{"role": "user", "content": text}])
        assert ok.choices[0].message.content == text

        gateway.revoke_key(key["id"])
        revoked_at = time.monotonic()
        err = None
        while time.monotonic() - revoked_at < 5.0:
            try:
                c.chat.completions.create(model="chat", messages=[{"role": "user", "content": "hi"}])
            except openai.AuthenticationError as e:
                err = e
                break
            time.sleep(0.25)
        assert err is not None, "revoked key still accepted 5 s after `shepherd keys revoke`"
        assert_sdk_error(err, 401, "invalid_api_key")
        assert key["key"] not in err.response.text

        # Stays revoked.
        with pytest.raises(openai.AuthenticationError):
            c.chat.completions.create(model="chat", messages=[{"role": "user", "content": "hi"}])
    finally:
        c.close()


def test_model_not_allowed_is_permission_denied(chat_only_client):
    # Allowed model works...
    text = unique_text("allowed")
    ok = chat_only_client.chat.completions.create(
        model="chat", messages=[{"role": "user", "content": text}]
    )
    assert ok.choices[0].message.content == text
    # ...the other one does not.
    with pytest.raises(openai.PermissionDeniedError) as exc:
        chat_only_client.chat.completions.create(
            model="other", messages=[{"role": "user", "content": "hi"}]
        )
    assert_sdk_error(exc.value, 403, "model_not_allowed")


def test_unknown_model_is_not_found(client):
    with pytest.raises(openai.NotFoundError) as exc:
        client.chat.completions.create(
            model="no-such-model-" + uuid.uuid4().hex[:6],
            messages=[{"role": "user", "content": "hi"}],
        )
    assert_sdk_error(exc.value, 404, "model_not_found")


def test_bad_content_part_is_bad_request(client):
    with pytest.raises(openai.BadRequestError) as exc:
        client.chat.completions.create(
            model="chat",
            messages=[
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "look"},
                        {"type": "image_url", "image_url": {"url": "ftp://x"}},
                    ],
                }
            ],
        )
    assert_sdk_error(exc.value, 400, "invalid_request")


def test_messages_not_an_array_is_bad_request(client):
    with pytest.raises(openai.BadRequestError) as exc:
        client.chat.completions.create(
            model="chat",
            messages=[{"role": "user", "content": "placeholder"}],
            extra_body={"messages": "this is not an array"},
        )
    assert_sdk_error(exc.value, 400, "invalid_request")


def _secrets(gateway) -> list[str]:
    return [UPSTREAM_SECRET] + [k["key"] for k in gateway.keys.values()]


def test_broken_upstream_is_502_without_secrets(gateway, client):
    with pytest.raises(openai.InternalServerError) as exc:
        client.chat.completions.create(model="broken", messages=[{"role": "user", "content": "hi"}])
    err = exc.value
    inner = assert_sdk_error(err, 502, "upstream_error")
    # SPEC §4: the message names the last upstream status.
    assert "500" in inner["message"], inner
    raw = err.response.text + json.dumps(dict(err.response.headers))
    for secret in _secrets(gateway):
        assert secret not in raw, f"secret leaked in 502 response: {raw}"


def test_upstream_key_reflected_by_provider_never_reaches_client(gateway, client):
    """The fake upstream puts the key it received into its 500 message; the gateway's
    502 must not pass that on (SPEC §4: '…never its key'; upstream keys never appear in
    a response or a log line)."""
    with pytest.raises(openai.InternalServerError) as exc:
        client.chat.completions.create(model="leaky", messages=[{"role": "user", "content": "hi"}])
    # The upstream really was sent the secret, so the check below means something.
    assert any(UPSTREAM_SECRET in a for a in gateway.leaky_seen_auth), gateway.leaky_seen_auth
    inner = assert_sdk_error(exc.value, 502, "upstream_error")
    assert "500" in inner["message"], inner
    raw = exc.value.response.text + json.dumps(dict(exc.value.response.headers))
    assert UPSTREAM_SECRET not in raw, f"upstream key leaked to the client: {raw}"
    assert UPSTREAM_SECRET[8:24] not in raw, f"part of the upstream key leaked: {raw}"
    time.sleep(0.2)  # let the log line be flushed
    assert UPSTREAM_SECRET not in gateway.logs(), "upstream key written to the gateway log"


def test_failed_proxied_request_still_has_request_id(client):
    """SPEC §4: x-request-id / x-shepherd-attempts on every proxied response — a user filing
    a support ticket for a 502 needs the request id."""
    with pytest.raises(openai.InternalServerError) as exc:
        client.chat.completions.create(model="broken", messages=[{"role": "user", "content": "hi"}])
    headers = exc.value.response.headers
    assert headers.get("x-request-id"), f"502 without x-request-id: {dict(headers)}"
    assert headers.get("x-shepherd-attempts"), f"502 without x-shepherd-attempts: {dict(headers)}"
    assert exc.value.request_id == headers.get("x-request-id")


# --------------------------------------------------------------------------- 6. models


def test_models_list_full_key_sees_all_public_models(client):
    models = client.models.list()
    ids = [m.id for m in models]
    assert sorted(ids) == sorted(["chat", "other", "broken", "leaky"]), ids
    assert all(m.object == "model" for m in models.data)


def test_models_list_restricted_key_sees_only_allowed(chat_only_client):
    ids = [m.id for m in chat_only_client.models.list()]
    assert ids == ["chat"], ids

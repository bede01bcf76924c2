"""describe_failure: short messages that name the provider and never carry a credential."""

from __future__ import annotations

import json

import anthropic
import httpx2
import openai
import pydantic
import pytest
from agents.exceptions import ModelBehaviorError

from taskagent.agents.errors import ModelProviderError, describe_failure, provider_label, redact

KEYS = [
    "sk-proj-AbCdEf0123456789AbCdEf0123456789",
    "sk-ant-api03-AbCdEf0123456789-xyz",
    "sk-test-***********************1234",
]


def openai_status(
    status: int, body: object, *, url: str = "https://api.openai.com/v1/responses"
) -> openai.APIStatusError:
    """The exception the openai client raises for this response."""
    request = httpx2.Request("POST", url)
    response = httpx2.Response(status, request=request, content=json.dumps(body).encode())
    return openai.AsyncOpenAI(api_key="x")._make_status_error_from_response(response)


def anthropic_status(
    status: int, body: object, *, url: str = "https://api.anthropic.com/v1/messages"
) -> anthropic.APIStatusError:
    request = httpx2.Request("POST", url)
    response = httpx2.Response(status, request=request, content=json.dumps(body).encode())
    return anthropic.AsyncAnthropic(api_key="x")._make_status_error_from_response(response)


def anthropic_body(kind: str, message: str) -> dict[str, object]:
    return {"type": "error", "error": {"type": kind, "message": message}}


@pytest.mark.parametrize("key", KEYS)
def test_keys_in_provider_messages_are_never_repeated(key: str) -> None:
    failures: list[BaseException] = [
        openai_status(
            401, {"error": {"message": f"Incorrect API key provided: {key}", "code": "invalid_api_key"}}
        ),
        openai_status(
            400, {"error": {"message": f"Bad value for key {key}", "type": "invalid_request_error"}}
        ),
        anthropic_status(401, anthropic_body("authentication_error", f"invalid x-api-key {key}")),
        anthropic_status(403, anthropic_body("permission_error", f"key {key} may not use this model")),
        ModelBehaviorError(f"Invalid JSON for tool: api_key={key}"),
        ModelProviderError(f"stream broke for Authorization: Bearer {key}", provider="Anthropic"),
        RuntimeError(f"something odd with {key}"),
    ]
    for exc in failures:
        message = describe_failure(exc, 30)
        assert key not in message, message
        assert key[8:20] not in message, message


def test_status_errors_name_the_provider_and_what_to_do() -> None:
    rate_limited = openai_status(429, {"error": {"message": "Slow down", "code": "rate_limit_exceeded"}})
    rate_limited.response.headers["retry-after"] = "20"
    assert (
        describe_failure(rate_limited, 30)
        == "OpenAI is rate limiting requests (HTTP 429). Try again in 20 s."
    )
    quota = openai_status(
        429, {"error": {"message": "You exceeded your quota", "code": "insufficient_quota"}}
    )
    assert "out of quota" in describe_failure(quota, 30)
    assert describe_failure(openai_status(401, {"error": {"message": "bad"}}), 30) == (
        "OpenAI rejected the API key (HTTP 401). Check OPENAI_API_KEY."
    )
    missing = openai_status(404, {"error": {"message": "The model `gpt-9` does not exist"}})
    assert describe_failure(missing, 30) == (
        "OpenAI does not know this model or endpoint (HTTP 404). Check TASKAGENT_MODEL: "
        "The model `gpt-9` does not exist"
    )
    overloaded = anthropic_status(529, anthropic_body("overloaded_error", "Overloaded"))
    assert (
        describe_failure(overloaded, 30) == "Anthropic is overloaded right now (HTTP 529). Try again shortly."
    )
    too_long = anthropic_status(413, anthropic_body("request_too_large", "Request exceeds the maximum size"))
    assert "too long for Anthropic" in describe_failure(too_long, 30)
    server = openai_status(
        502, {"error": {"message": "Bad gateway"}}, url="http://gpu-box:8000/v1/chat/completions"
    )
    assert describe_failure(server, 30) == (
        "The model server at gpu-box:8000 had a server error (HTTP 502). Try again shortly."
    )


def test_timeouts_and_connections() -> None:
    request = httpx2.Request("POST", "https://api.anthropic.com/v1/messages")
    assert describe_failure(anthropic.APITimeoutError(request), 2.5) == (
        "Anthropic did not answer within 2.5 s. Try again later."
    )
    refused = openai.APIConnectionError(request=httpx2.Request("POST", "http://localhost:11434/v1/chat"))
    refused.__cause__ = httpx2.ConnectError("All connection attempts failed")
    assert describe_failure(refused, 5) == (
        "Could not connect to the model server at localhost:11434. Check that it is running and reachable."
    )
    assert "did not answer within 5 s" in describe_failure(TimeoutError(), 5)


def test_the_cause_is_found_through_wrappers_and_groups() -> None:
    request = httpx2.Request("POST", "https://api.openai.com/v1/responses")
    try:
        try:
            raise openai.APITimeoutError(request=request)
        except openai.APITimeoutError as inner:
            raise RuntimeError("run failed") from inner
    except RuntimeError as outer:
        wrapped = outer
    assert describe_failure(wrapped, 60) == "OpenAI did not answer within 60 s. Try again later."
    group = ExceptionGroup("task group", [ValueError("unrelated"), openai.APITimeoutError(request=request)])
    assert "did not answer" in describe_failure(group, 60)


def test_malformed_payloads() -> None:
    try:
        json.loads('{"broken')
    except json.JSONDecodeError as exc:
        decode_error = exc
    assert "malformed" in describe_failure(decode_error, 5)

    class Event(pydantic.BaseModel):
        type: str

    with pytest.raises(pydantic.ValidationError) as invalid:
        Event.model_validate({"type": 3})
    assert "malformed" in describe_failure(invalid.value, 5)
    labelled = ModelProviderError("sent malformed data", provider="Anthropic", kind="malformed")
    assert describe_failure(labelled, 5).startswith("Anthropic sent a response that could not be read")


def test_model_behaviour_errors_and_unknown_failures() -> None:
    behaviour = ModelBehaviorError("Tool get_task not found in agent Scheduler Agent")
    assert describe_failure(behaviour, 5) == (
        "The model gave a reply the agent could not use: Tool get_task not found in agent Scheduler Agent"
    )
    assert describe_failure(KeyError("secret detail"), 5) == (
        "The model provider failed unexpectedly (KeyError). Try again."
    )


def test_urls_lose_their_userinfo() -> None:
    label = provider_label("http://admin:hunter2@gpu:8000/v1", "openai")
    assert label == "the model server at gpu:8000"
    assert provider_label(None, "anthropic") == "Anthropic"
    assert provider_label("https://api.openai.com/v1", "openai") == "OpenAI"


def test_redact() -> None:
    assert redact("Bearer abc.def and x-api-key: 123") == "[redacted] and [redacted]"
    assert redact("plain words stay") == "plain words stay"

"""Model provider failures, and the short messages users see for them.

The endpoints catch whatever a run raises and show `describe_failure(exc, settings.model_timeout_seconds)`.
A message names the provider, says what went wrong and what to do, and never carries a credential:
provider error text is only quoted after redaction, and never for authentication errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Literal

import agents.exceptions
import anthropic
import httpx2
import openai
import pydantic
from agents.exceptions import ModelBehaviorError

FailureKind = Literal["timeout", "connection", "cut", "malformed", "protocol"]

_KEY_PATTERNS = re.compile(
    r"(?:sk|pk|rk)-[A-Za-z0-9_\-*.]{4,}"  # OpenAI / Anthropic style keys, masked or not
    r"|(?i:bearer)\s+\S+"
    r"|(?i:x-api-key|api[_-]?key)\s*[:=]\s*\S+"
    r"|[A-Za-z0-9_\-]{32,}"  # any long token-like string
)
_DETAIL_LIMIT = 200


class ModelProviderError(Exception):
    """A provider failure detected by our own code (a broken stream, a malformed event).

    `provider` names the provider for messages ("Anthropic", "OpenAI", "the model server at
    host:port"); `kind` says what happened so `describe_failure` can add the timeout.
    """

    def __init__(self, message: str, *, provider: str, kind: FailureKind = "protocol") -> None:
        super().__init__(message)
        self.provider = provider
        self.kind = kind


def describe_failure(exc: BaseException, timeout_seconds: float) -> str:
    """A short user-facing message for an exception raised by a model run."""
    chain = list(_chain(exc))
    message = _describe(chain, timeout_seconds)
    return redact(message[:1].upper() + message[1:])


def keep_streamed_events(exc: BaseException) -> None:
    """Have the runner deliver the events already streamed before it raises `exc`.

    A failed run otherwise raises as soon as the failure is seen and drops what is still queued,
    so the text that streamed just before a cut could be lost. The SDK marks its own stream
    failures this way; the mark is private, hence the guarded lookup.
    """
    mark = getattr(agents.exceptions, "_mark_error_to_drain_stream_events", None)
    if callable(mark):
        mark(exc)


def redact(text: str) -> str:
    """Remove anything that looks like a credential."""
    return _KEY_PATTERNS.sub("[redacted]", text)


def provider_label(base_url: str | httpx2.URL | None, family: Literal["openai", "anthropic"]) -> str:
    """How messages name the provider behind a client's base URL."""
    url = httpx2.URL(str(base_url)) if base_url else None
    host = url.host if url else ""
    if family == "anthropic":
        return "Anthropic" if host in {"", "api.anthropic.com"} else f"Anthropic (via {_host(url)})"
    if host in {"", "api.openai.com"}:
        return "OpenAI"
    return f"the model server at {_host(url)}"


def _describe(chain: list[BaseException], timeout_seconds: float) -> str:
    for exc in chain:
        if isinstance(exc, openai.APIStatusError | anthropic.APIStatusError):
            return _describe_status(exc, _provider(exc))
    provider = next((_provider(exc) for exc in chain if _provider(exc)), "") or "the model provider"
    kinds = [_kind(exc) for exc in chain]
    if "timeout" in kinds:
        return f"{provider} did not answer within {timeout_seconds:g} s. Try again later."
    if "cut" in kinds:
        return f"the connection to {provider} broke before the answer was complete. Try again."
    if "connection" in kinds:
        return f"could not connect to {provider}. Check that it is running and reachable."
    if "malformed" in kinds:
        return f"{provider} sent a response that could not be read (malformed data). Try again."
    for exc in chain:
        if isinstance(exc, ModelProviderError):
            return str(exc)
        if isinstance(exc, ModelBehaviorError):
            return f"the model gave a reply the agent could not use: {_shorten(str(exc))}"
    return f"{provider} failed unexpectedly ({type(chain[0]).__name__}). Try again."


def _describe_status(exc: openai.APIStatusError | anthropic.APIStatusError, provider: str) -> str:
    status = exc.status_code
    detail = _api_detail(exc.body)
    error_type = _api_field(exc.body, "type") or ""
    code = _api_field(exc.body, "code") or ""
    suffix = f": {detail}" if detail else "."
    if status == 401:
        key = "ANTHROPIC_API_KEY" if isinstance(exc, anthropic.APIStatusError) else "OPENAI_API_KEY"
        return f"{provider} rejected the API key (HTTP 401). Check {key}."
    if status == 429 and code == "insufficient_quota":
        return f"{provider} says the account has run out of quota (HTTP 429). Check the plan and billing."
    if status == 429:
        wait = _retry_after(exc)
        when = f"in {wait} s" if wait else "in a minute"
        return f"{provider} is rate limiting requests (HTTP 429). Try again {when}."
    if status in {402, 403}:
        return f"{provider} refused the request (HTTP {status}){suffix}"
    if status == 404:
        return f"{provider} does not know this model or endpoint (HTTP 404). Check TASKAGENT_MODEL{suffix}"
    if status == 413 or error_type == "request_too_large":
        return f"the conversation is too long for {provider} (HTTP 413). Start a new thread."
    if status == 529 or error_type == "overloaded_error":
        return f"{provider} is overloaded right now (HTTP {status}). Try again shortly."
    if status in {408, 504}:
        return f"{provider} timed out (HTTP {status}). Try again shortly."
    if status >= 500 or error_type == "api_error":
        return f"{provider} had a server error (HTTP {status}). Try again shortly."
    if 400 <= status < 500:
        return f"{provider} rejected the request (HTTP {status}){suffix}"
    # An error event inside a 200 stream (Anthropic sends these mid-answer).
    return f"{provider} failed in the middle of the answer{suffix}"


def _kind(exc: BaseException) -> FailureKind | None:
    if isinstance(exc, ModelProviderError):
        return exc.kind
    if isinstance(
        exc, openai.APITimeoutError | anthropic.APITimeoutError | httpx2.TimeoutException | TimeoutError
    ):
        return "timeout"
    if isinstance(exc, httpx2.RemoteProtocolError | httpx2.ReadError):
        return "cut"
    if isinstance(
        exc,
        openai.APIConnectionError | anthropic.APIConnectionError | httpx2.TransportError | ConnectionError,
    ):
        return "connection"
    if isinstance(
        exc,
        json.JSONDecodeError
        | pydantic.ValidationError
        | openai.APIResponseValidationError
        | anthropic.APIResponseValidationError,
    ):
        return "malformed"
    return None


def _provider(exc: BaseException) -> str:
    if isinstance(exc, ModelProviderError):
        return exc.provider
    request = _request(exc)
    if isinstance(exc, anthropic.AnthropicError):
        return provider_label(request.url if request else None, "anthropic")
    if isinstance(exc, openai.OpenAIError):
        return provider_label(request.url if request else None, "openai")
    if request is not None:
        return f"the model server at {_host(request.url)}"
    return ""


def _request(exc: BaseException) -> httpx2.Request | None:
    try:
        request = getattr(exc, "request", None)  # httpx2 raises when a transport error has none
    except RuntimeError:
        return None
    return request if isinstance(request, httpx2.Request) else None


def _host(url: httpx2.URL | None) -> str:
    if url is None:
        return "the configured address"
    return f"{url.host}:{url.port}" if url.port else url.host  # never the userinfo


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes and contexts, and the members of exception groups."""
    seen: set[int] = set()
    pending = [exc]
    while pending and len(seen) < 20:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                pending.append(linked)


def _api_field(body: object, name: str) -> str | None:
    """A field of a provider error body: OpenAI's `{message, type, code}` or Anthropic's `{error: {...}}`."""
    if isinstance(body, dict):
        inner: Any = body.get("error")
        value = inner.get(name) if isinstance(inner, dict) else body.get(name)
        return value if isinstance(value, str) else None
    return None


def _api_detail(body: object) -> str:
    return _shorten(_api_field(body, "message") or "")


def _retry_after(exc: openai.APIStatusError | anthropic.APIStatusError) -> str:
    value = exc.response.headers.get("retry-after", "")
    try:
        seconds = float(value)
    except ValueError:
        return ""
    return f"{seconds:g}" if seconds > 0 else ""


def _shorten(text: str) -> str:
    text = " ".join(redact(text).split())
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 1] + "…"

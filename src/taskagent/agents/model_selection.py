"""Model selection: the one place that knows which model serves the agents.

`TASKAGENT_MODEL` picks it: `local` (the offline engine), `openai:<model>` (Responses API),
`openai-compatible:<model>` (Chat Completions at `OPENAI_BASE_URL`: Ollama, vLLM, LM Studio,
llama.cpp) or `anthropic:<model>` (Messages API). Endpoints call `build_model(settings, role)` and
never learn which one runs. HTTP clients are made once per configuration and event loop, and
`close_models()` closes them (app shutdown, test teardown).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar, cast

import anthropic
import httpx2
import openai
from agents import Model
from agents.tracing import (
    TracingProcessor,
    set_trace_processors,
    set_tracing_disabled,
    set_tracing_export_api_key,
)
from agents.tracing.processors import default_processor

from taskagent.agents.catalog import load_catalog
from taskagent.agents.errors import provider_label
from taskagent.agents.providers.anthropic import AnthropicModel
from taskagent.agents.providers.openai import OpenAIChatCompletions, OpenAIResponses, StreamingOpenAI
from taskagent.config import ConfigurationError, Settings
from taskagent.observability.tracing import agent_processor

FIXED_ROLES = frozenset({"triage", "task_manager", "summarizer"})  # and each configured specialist's id
OPENAI_URL = "https://api.openai.com/v1"
ANTHROPIC_URL = "https://api.anthropic.com"
# One retry absorbs a transient 5xx, 429 or dropped connection; more would keep a user waiting
# several timeouts long before seeing an error.
MAX_RETRIES = 1
# Local servers ignore the key, but the OpenAI client refuses to start without one.
PLACEHOLDER_KEY = "not-needed"

_Client = openai.AsyncOpenAI | anthropic.AsyncAnthropic
_C = TypeVar("_C", openai.AsyncOpenAI, anthropic.AsyncAnthropic)
_clients: dict[tuple[object, ...], tuple[_Client, asyncio.AbstractEventLoop | None]] = {}


def build_model(settings: Settings, role: str) -> Model:
    """The model for an agent role (`triage`, `task_manager`, `summarizer` or a configured specialist's
    id). Raises ConfigurationError when the chosen provider lacks a key or URL (or the specialists file
    is bad)."""
    catalog = load_catalog(settings.specialists_file)
    if role not in FIXED_ROLES and catalog.get(role) is None:
        roles = sorted(FIXED_ROLES | set(catalog.ids))
        raise ValueError(f"unknown agent role {role!r}; expected one of {roles}")
    configure_tracing(settings)
    provider, name = settings.model_provider, settings.model_name
    if provider == "local":
        from taskagent.agents.offline import OfflineModel  # lazily: the engine loads only when used

        return OfflineModel(role, catalog)
    if provider in {"openai", "openai-compatible"}:
        openai_client = _openai_client(settings, compatible=provider == "openai-compatible")
        label = provider_label(openai_client.base_url, "openai")
        if provider == "openai":
            return OpenAIResponses(name, openai_client, provider=label)
        return OpenAIChatCompletions(name, openai_client, provider=label)
    if provider == "anthropic":
        client = _anthropic_client(settings)
        label = provider_label(client.base_url, "anthropic")
        return AnthropicModel(name, client, max_tokens=settings.model_max_tokens, provider=label)
    raise ConfigurationError(f"unknown model provider {provider!r} in TASKAGENT_MODEL")


def describe_model(settings: Settings) -> str:
    """What serves the agents, for GET /agents/status (no credentials, no URL userinfo)."""
    provider = settings.model_provider
    if provider == "local":
        return "local (offline engine)"
    base_url = settings.anthropic_base_url if provider == "anthropic" else settings.openai_base_url
    if base_url and (
        provider == "openai-compatible" or base_url.rstrip("/") not in {OPENAI_URL, ANTHROPIC_URL}
    ):
        url = httpx2.URL(base_url)
        where = f"{url.host}:{url.port}" if url.port else url.host
        return f"{settings.taskagent_model} at {where}"
    return settings.taskagent_model


def configure_tracing(settings: Settings) -> None:
    """The agents SDK sends traces to OpenAI by default: only do so when ENABLE_TRACING is set. Its spans
    go to OpenTelemetry when an app traces (OTEL_TRACES_EXPORTER); with neither, its tracing is off."""
    processors: list[TracingProcessor] = []
    if settings.enable_tracing:
        processors.append(default_processor())
        if settings.openai_api_key is not None:
            set_tracing_export_api_key(settings.openai_api_key.get_secret_value())
    bridge = agent_processor()
    if bridge is not None:
        processors.append(bridge)
    set_trace_processors(processors)
    set_tracing_disabled(not processors)


async def close_models() -> None:
    """Close the HTTP clients made by build_model (those of this event loop; others died with theirs)."""
    entries = list(_clients.values())
    _clients.clear()
    current = _running_loop()
    for client, loop in entries:
        if loop is None or loop is current:
            await client.close()


def _openai_client(settings: Settings, *, compatible: bool) -> openai.AsyncOpenAI:
    base_url = settings.openai_base_url
    if compatible and not base_url:
        raise ConfigurationError(
            "OPENAI_BASE_URL must be set for TASKAGENT_MODEL=openai-compatible:<model> "
            "(for example http://localhost:11434/v1 for Ollama)"
        )
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    if not key and not compatible:
        raise ConfigurationError("OPENAI_API_KEY must be set for TASKAGENT_MODEL=openai:<model>")
    url, timeout = base_url or OPENAI_URL, settings.model_timeout_seconds
    return _cached(
        ("openai", url, key, timeout),
        lambda: StreamingOpenAI(
            api_key=key or PLACEHOLDER_KEY, base_url=url, timeout=timeout, max_retries=MAX_RETRIES
        ),
    )


def _anthropic_client(settings: Settings) -> anthropic.AsyncAnthropic:
    if settings.anthropic_api_key is None:
        raise ConfigurationError("ANTHROPIC_API_KEY must be set for TASKAGENT_MODEL=anthropic:<model>")
    key = settings.anthropic_api_key.get_secret_value()
    url, timeout = settings.anthropic_base_url or ANTHROPIC_URL, settings.model_timeout_seconds
    return _cached(
        ("anthropic", url, key, timeout),
        lambda: anthropic.AsyncAnthropic(api_key=key, base_url=url, timeout=timeout, max_retries=MAX_RETRIES),
    )


def _cached(key: tuple[object, ...], make: Callable[[], _C]) -> _C:
    """One client per configuration and event loop: a client's connections belong to its loop."""
    loop = _running_loop()
    full_key = (*key, id(loop))
    entry = _clients.get(full_key)
    if entry is not None and entry[1] is loop:
        return cast(_C, entry[0])  # the key's first element fixes the client type
    client = make()
    _clients[full_key] = (client, loop)
    return client


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None

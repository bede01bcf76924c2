"""Model selection, client lifecycle, tracing and the status description."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
from agents.tracing import trace
from agents.tracing.traces import NoOpTrace

from taskagent.agents.model_selection import (
    MAX_RETRIES,
    PLACEHOLDER_KEY,
    build_model,
    close_models,
    configure_tracing,
    describe_model,
)
from taskagent.agents.providers.anthropic import AnthropicModel
from taskagent.agents.providers.openai import OpenAIChatCompletions, OpenAIResponses
from taskagent.config import ConfigurationError, Settings
from tests.agents.providers.helpers import run_streamed, specialist
from tests.fakes import FakeChatCompletions, text

MODEL_VARIABLES = [
    "TASKAGENT_MODEL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "ENABLE_TRACING",
]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in MODEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    yield
    configure_tracing(Settings(_env_file=None))


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_the_default_is_local_and_tracing_stays_off(clean_env: None) -> None:
    default = settings()
    assert default.taskagent_model == "local"
    assert default.openai_api_key is None and default.anthropic_api_key is None

    configure_tracing(settings(enable_tracing=True))
    assert not isinstance(trace("probe"), NoOpTrace)
    configure_tracing(default)

    assert isinstance(trace("probe"), NoOpTrace)


def test_building_a_model_turns_tracing_off_too(clean_env: None) -> None:
    configure_tracing(settings(enable_tracing=True))

    build_model(settings(taskagent_model="openai:gpt-test", openai_api_key="sk-test-x"), "triage")

    assert isinstance(trace("probe"), NoOpTrace)


def test_local_is_the_offline_engine(clean_env: None) -> None:
    local = pytest.importorskip("taskagent.agents.offline")
    if not hasattr(local, "OfflineModel"):
        pytest.skip("the offline engine is not there yet")
    assert isinstance(build_model(settings(), "triage"), local.OfflineModel)


def test_each_provider_gets_its_model_class() -> None:
    openai_model = build_model(settings(taskagent_model="openai:gpt-5-mini", openai_api_key="sk-x"), "triage")
    compatible = build_model(
        settings(taskagent_model="openai-compatible:llama3.2", openai_base_url="http://localhost:11434/v1"),
        "scheduler",
    )
    claude = build_model(
        settings(taskagent_model="anthropic:claude-test", anthropic_api_key="sk-ant-x"), "blocker"
    )

    assert isinstance(openai_model, OpenAIResponses) and openai_model.model == "gpt-5-mini"
    assert isinstance(compatible, OpenAIChatCompletions) and compatible.model == "llama3.2"
    assert isinstance(claude, AnthropicModel) and claude.model == "claude-test"
    assert openai_model.provider == "OpenAI"
    assert compatible.provider == "the model server at localhost:11434"


@pytest.mark.parametrize(
    ("values", "missing"),
    [
        ({"taskagent_model": "openai:gpt-test"}, "OPENAI_API_KEY"),
        ({"taskagent_model": "openai-compatible:llama"}, "OPENAI_BASE_URL"),
        ({"taskagent_model": "anthropic:claude-test"}, "ANTHROPIC_API_KEY"),
    ],
)
def test_a_missing_key_or_url_is_a_configuration_error(
    clean_env: None, values: dict[str, str], missing: str
) -> None:
    with pytest.raises(ConfigurationError, match=missing):
        build_model(settings(**values), "triage")


def test_an_unknown_role_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown agent role"):
        build_model(settings(), "planner")


async def test_clients_are_made_once_and_closed_on_shutdown() -> None:
    config = settings(taskagent_model="openai:gpt-test", openai_api_key="sk-x", model_timeout_seconds=7)
    first, second = build_model(config, "triage"), build_model(config, "scheduler")
    assert isinstance(first, OpenAIResponses) and isinstance(second, OpenAIResponses)
    client = first._client
    assert client is second._client
    assert isinstance(client, openai.AsyncOpenAI)
    assert client.timeout == 7 and client.max_retries == MAX_RETRIES

    await close_models()

    assert client.is_closed()
    third = build_model(config, "triage")
    assert isinstance(third, OpenAIResponses) and third._client is not client


async def test_compatible_servers_get_a_placeholder_key() -> None:
    with FakeChatCompletions(text("Hi")) as fake:
        config = settings(taskagent_model="openai-compatible:llama", openai_base_url=fake.base_url)
        outcome = await run_streamed(specialist(config), "hello")
    assert outcome.error is None
    assert fake.requests[0].headers["authorization"] == f"Bearer {PLACEHOLDER_KEY}"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, "local (offline engine)"),
        ({"taskagent_model": "openai:gpt-5-mini"}, "openai:gpt-5-mini"),
        (
            {"taskagent_model": "openai:gpt-5-mini", "openai_base_url": "https://api.openai.com/v1"},
            "openai:gpt-5-mini",
        ),
        (
            {"taskagent_model": "openai-compatible:llama3.2", "openai_base_url": "http://me:pw@gpu:11434/v1"},
            "openai-compatible:llama3.2 at gpu:11434",
        ),
        ({"taskagent_model": "anthropic:claude-sonnet-4-5"}, "anthropic:claude-sonnet-4-5"),
        (
            {"taskagent_model": "anthropic:claude-sonnet-4-5", "anthropic_base_url": "https://proxy.example"},
            "anthropic:claude-sonnet-4-5 at proxy.example",
        ),
    ],
)
def test_describe_model(clean_env: None, values: dict[str, str], expected: str) -> None:
    assert describe_model(settings(**values)) == expected

"""Fixtures for the provider tests: one case per provider, its fake server, settings pointing at it.

Every test that takes `case` runs three times: OpenAI (Responses API), an OpenAI-compatible server
(Chat Completions) and Anthropic (Messages API), each through the real client library.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from taskagent.agents.model_selection import close_models
from taskagent.config import Settings
from tests.fakes import FakeAnthropic, FakeChatCompletions, FakeOpenAIResponses, ScriptedProvider

OPENAI_KEY = "sk-test-openai-0123456789abcdef-SECRET"
ANTHROPIC_KEY = "sk-ant-test-0123456789abcdef-SECRET"


@dataclass(frozen=True)
class Case:
    """A provider, its fake, and how to read its wire format."""

    provider: str
    fake_class: type[ScriptedProvider]
    key: str | None

    def settings(self, fake: ScriptedProvider, **overrides: Any) -> Settings:
        base_url: str = fake.base_url  # type: ignore[attr-defined]
        values: dict[str, Any] = {"taskagent_model": f"{self.provider}:test-model"}
        if self.provider == "anthropic":
            values |= {"anthropic_api_key": self.key, "anthropic_base_url": base_url}
        else:
            values |= {"openai_api_key": self.key, "openai_base_url": base_url}
        return Settings(_env_file=None, **(values | overrides))

    def system_prompt(self, body: dict[str, Any]) -> str:
        if self.provider == "openai":
            return str(body.get("instructions", ""))
        if self.provider == "anthropic":
            return " ".join(block["text"] for block in body.get("system", []))
        return " ".join(m["content"] for m in body["messages"] if m["role"] == "system")

    def tool_names(self, body: dict[str, Any]) -> list[str]:
        tools = body.get("tools", [])
        if self.provider == "openai-compatible":
            return [tool["function"]["name"] for tool in tools]
        return [tool["name"] for tool in tools]

    def tool_outputs(self, body: dict[str, Any]) -> dict[str, str]:
        """The tool results the request sends back, by call id, in the provider's wire format."""
        if self.provider == "openai":
            items = body["input"]
            return {i["call_id"]: i["output"] for i in items if i.get("type") == "function_call_output"}
        if self.provider == "openai-compatible":
            return {m["tool_call_id"]: m["content"] for m in body["messages"] if m["role"] == "tool"}
        return {
            block["tool_use_id"]: block["content"]
            for message in body["messages"]
            if message["role"] == "user" and isinstance(message["content"], list)
            for block in message["content"]
            if block["type"] == "tool_result"
        }

    def tool_calls(self, body: dict[str, Any]) -> list[list[str]]:
        """The calls the request replays, grouped by the assistant turn that made them."""
        if self.provider == "openai":
            return [[i["call_id"]] for i in body["input"] if i.get("type") == "function_call"]
        if self.provider == "openai-compatible":
            return [
                [call["id"] for call in m["tool_calls"]]
                for m in body["messages"]
                if m["role"] == "assistant" and m.get("tool_calls")
            ]
        return [
            [block["id"] for block in m["content"] if block["type"] == "tool_use"]
            for m in body["messages"]
            if m["role"] == "assistant" and any(block["type"] == "tool_use" for block in m["content"])
        ]


CASES = [
    Case("openai", FakeOpenAIResponses, OPENAI_KEY),
    Case("openai-compatible", FakeChatCompletions, None),
    Case("anthropic", FakeAnthropic, ANTHROPIC_KEY),
]


@pytest.fixture(params=CASES, ids=[case.provider for case in CASES])
def case(request: pytest.FixtureRequest) -> Case:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def fake(case: Case) -> Iterator[ScriptedProvider]:
    with case.fake_class() as server:
        yield server


@pytest.fixture(autouse=True)
async def _close_model_clients() -> AsyncIterator[None]:
    yield
    await close_models()


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)

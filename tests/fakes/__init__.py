"""Fake AI providers: real HTTP servers on 127.0.0.1 speaking OpenAI's and Anthropic's wire formats.

    with FakeAnthropic(text("Hello there"), tool_call("get_task", {"task_id": 1})) as fake:
        settings = Settings(taskagent_model="anthropic:claude-test", anthropic_base_url=fake.base_url, ...)
        ...
        assert fake.bodies[1]["messages"][-1]["content"][0]["type"] == "tool_result"

Each request consumes one scripted turn; an empty script echoes (see `ScriptedProvider`).
"""

from tests.fakes.anthropic_messages import FakeAnthropic
from tests.fakes.chat_completions import FakeChatCompletions
from tests.fakes.openai_responses import FakeOpenAIResponses
from tests.fakes.provider import ScriptedProvider
from tests.fakes.script import (
    Call,
    Cut,
    Hang,
    HttpError,
    Malformed,
    Reply,
    Turn,
    text,
    tool_call,
    tool_calls,
)
from tests.fakes.server import FakeServer, Request

# Each provider by the name TASKAGENT_MODEL gives it: tests/conftest.py's `provider` fixture runs a test
# once per entry, and `fake` serves it.
PROVIDERS: dict[str, type[ScriptedProvider]] = {
    "openai": FakeOpenAIResponses,
    "openai-compatible": FakeChatCompletions,
    "anthropic": FakeAnthropic,
}

__all__ = [
    "PROVIDERS",
    "Call",
    "Cut",
    "FakeAnthropic",
    "FakeChatCompletions",
    "FakeOpenAIResponses",
    "FakeServer",
    "Hang",
    "HttpError",
    "Malformed",
    "Reply",
    "Request",
    "ScriptedProvider",
    "Turn",
    "text",
    "tool_call",
    "tool_calls",
]

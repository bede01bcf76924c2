"""Hosted models through the help endpoint: each provider's real client library against a fake server.

`TASKAGENT_MODEL=openai:x` (Responses API), `openai-compatible:x` (Chat Completions) and `anthropic:x`
(Messages API) pointed at the fakes of tests/fakes: a help request hands off, calls a tool and streams;
an HTTP 500 and a hang end with an `error` event within the timeout, and the user's message stays.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.agents.support import (
    agents_seen,
    ask,
    ask_events,
    create_task,
    install_settings,
    item_text,
    last,
    names,
    text_of,
    thread_items,
)
from tests.conftest import UserHandle
from tests.fakes import (
    Hang,
    HttpError,
    ScriptedProvider,
    text,
    tool_call,
)

pytestmark = pytest.mark.backends("postgres")


def use(app: FastAPI, provider: str, fake: ScriptedProvider, **overrides: Any) -> None:
    base_url: str = fake.base_url  # type: ignore[attr-defined]
    values: dict[str, Any] = {"taskagent_model": f"{provider}:test-model"}
    if provider == "anthropic":
        values |= {"anthropic_api_key": "sk-ant-test-key", "anthropic_base_url": base_url}
    else:
        values |= {"openai_api_key": "sk-test-key", "openai_base_url": base_url}
    install_settings(app, **values, **overrides)


async def test_a_help_request_hands_off_calls_a_tool_and_streams(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle, provider: str, fake: ScriptedProvider
) -> None:
    task = await create_task(client, alice, title="Prepare the board presentation")
    fake.queue(
        tool_call("transfer_to_scheduler_agent"),
        tool_call("get_task", {"task_id": task["id"]}),
        text("Work on it Thursday morning, before the review."),
    )
    use(app, provider, fake)
    events = await ask_events(client, alice, task["id"], "When should I work on this?")

    assert agents_seen(events) == ["triage", "scheduler"]
    tools = [event.data for event in events if event.name == "tool"]
    assert [tool["name"] for tool in tools] == ["get_task"]
    assert tools[0]["result"]["title"] == "Prepare the board presentation"
    assert names(events).count("delta") > 3  # streamed, not in one piece
    assert text_of(events) == "Work on it Thursday morning, before the review."
    assert last(events, "done")["specialist"] == "scheduler"
    assert len(fake.bodies) == 3
    items = await thread_items(app, alice.id, task["id"])
    assert [item_text(item) for item in items] == [
        "When should I work on this?",
        "Work on it Thursday morning, before the review.",
    ]


async def test_a_server_error_is_an_error_event(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle, provider: str, fake: ScriptedProvider
) -> None:
    fake.queue(*[HttpError(500)] * 3)  # the client retries once
    use(app, provider, fake)
    task = await create_task(client, alice)
    events = await ask_events(client, alice, task["id"], "Help me")
    assert names(events) == ["agent", "error"]
    message = last(events, "error")["message"]
    assert "HTTP 500" in message and "sk-" not in message
    assert [item_text(item) for item in await thread_items(app, alice.id, task["id"])] == ["Help me"]


async def test_a_hang_is_an_error_event_within_the_timeout(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle, provider: str, fake: ScriptedProvider
) -> None:
    fake.queue(*[Hang(seconds=30)] * 3)
    use(app, provider, fake, model_timeout_seconds=0.5)
    task = await create_task(client, alice)
    started = time.monotonic()
    events = await ask_events(client, alice, task["id"], "Help me")
    elapsed = time.monotonic() - started
    assert names(events) == ["agent", "error"]
    assert "did not answer within 0.5 s" in last(events, "error")["message"]
    assert elapsed < 6  # two attempts of 0.5 s and the retry's back-off
    assert [item_text(item) for item in await thread_items(app, alice.id, task["id"])] == ["Help me"]


async def test_a_missing_key_is_an_error_event(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    install_settings(app, taskagent_model="openai:gpt-test", openai_api_key=None, openai_base_url=None)
    task = await create_task(client, alice)
    events = await ask_events(client, alice, task["id"], "Help me")
    assert names(events) == ["error"]
    assert "OPENAI_API_KEY must be set" in last(events, "error")["message"]
    assert [item_text(item) for item in await thread_items(app, alice.id, task["id"])] == ["Help me"]
    plain = await ask(client, alice, task["id"], "Help me", accept="text/plain")
    assert plain.status_code == 200
    assert plain.text.startswith("[Error] ") and "OPENAI_API_KEY must be set" in plain.text

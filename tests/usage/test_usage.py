"""GET /users/me/usage: agent use per user and month (runs, model calls, input and output tokens, by
model), from the offline engine's estimates and from a provider's own usage numbers."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI

from tests.access_tokens.conftest import new_token
from tests.agents.support import (
    ask_events,
    create_task,
    install_settings,
)
from tests.chat.conftest import ChatClient
from tests.conftest import UserHandle
from tests.fakes import FakeChatCompletions, text, tool_call
from tests.usage.support import this_month, usage

pytestmark = pytest.mark.usefixtures("backend")


async def test_help_and_chat_runs_are_counted_with_the_offline_engines_tokens(
    client: httpx.AsyncClient, chat: Callable[[UserHandle], ChatClient], alice: UserHandle, bob: UserHandle
) -> None:
    fresh = await usage(client, alice)
    assert fresh == {
        "period": this_month(),
        "plan": "default",
        "runs": 0,
        "model_calls": 0,
        "input_tokens": 0,
        "output_tokens": 0,
        "limits": {"runs": None, "tokens": None},
        "resets_at": fresh["resets_at"],
        "by_model": [],
    }
    task = await create_task(client, alice, title="Prepare the board presentation")
    await ask_events(client, alice, task["id"], "When should I work on this?")
    after_help = await usage(client, alice)
    assert after_help["runs"] == 1
    assert after_help["model_calls"] >= 2  # triage, then the specialist
    assert after_help["input_tokens"] > 0 and after_help["output_tokens"] > 0

    turn = await chat(alice).create("Create a task to call the dentist")
    assert not turn.errors
    after_chat = await usage(client, alice)
    assert after_chat["runs"] == 2
    assert after_chat["model_calls"] > after_help["model_calls"]
    assert after_chat["output_tokens"] > after_help["output_tokens"]
    [local] = after_chat["by_model"]
    assert local["model"] == "local"
    assert (local["model_calls"], local["input_tokens"], local["output_tokens"]) == (
        after_chat["model_calls"],
        after_chat["input_tokens"],
        after_chat["output_tokens"],
    )
    assert (await usage(client, bob))["runs"] == 0  # per user


@pytest.mark.backends("postgres")
async def test_token_numbers_come_from_the_providers_usage(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    task = await create_task(client, alice, title="Prepare the board presentation")
    with FakeChatCompletions() as fake:
        fake.queue(
            tool_call("transfer_to_scheduler_agent"),
            text("Work on it Thursday morning, before the review."),
        )
        install_settings(
            app,
            taskagent_model="openai-compatible:test-model",
            openai_api_key="sk-test",
            openai_base_url=fake.base_url,
        )
        await ask_events(client, alice, task["id"], "When should I work on this?")
        assert len(fake.bodies) == 2
    used = await usage(client, alice)
    # The fake reports 12 prompt tokens a call, 10 output tokens a tool call and one a word.
    assert (used["runs"], used["model_calls"], used["input_tokens"], used["output_tokens"]) == (1, 2, 24, 18)
    assert used["by_model"] == [
        {"model": "openai-compatible:test-model", "model_calls": 2, "input_tokens": 24, "output_tokens": 18}
    ]


async def test_usage_refuses_strangers_tokens_and_bad_months(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    assert (await client.get("/users/me/usage")).status_code == 401
    token = await new_token(client, alice, "tasks:read", "mcp")
    assert (await client.get("/users/me/usage", headers=token["headers"])).status_code == 403
    for period in ("2026-13", "26-01", "2026-1", "now", "0000-01", "9999-12", "2026-00"):
        response = await client.get("/users/me/usage", params={"period": period}, headers=alice.headers)
        assert response.status_code == 422, period
        assert response.json()["detail"][0]["loc"] == ["query", "period"]

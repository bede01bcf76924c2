"""The agent rate limit on `POST /chatkit`: requests that run an agent count, reading does not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.chat.conftest import ChatClient, user_input
from tests.conftest import UserHandle

Chat = Callable[[UserHandle], ChatClient]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"agent_rate_limit": 2}


async def test_agent_requests_are_rate_limited_per_user(
    chat: Chat, alice: UserHandle, bob: UserHandle
) -> None:
    me = chat(alice)
    first = await me.create("hi")
    assert first.response.headers["RateLimit-Policy"] == '"agent";q=2;w=60'
    assert first.response.headers["X-RateLimit-Remaining"] == "1"
    await me.say(first.thread_id, "show my tasks")

    for _ in range(3):  # reading does not count
        await me.call("threads.list")
        await me.call("items.list", thread_id=first.thread_id)

    limited = await me.post(
        {
            "type": "threads.add_user_message",
            "params": {"thread_id": first.thread_id, "input": user_input("again")},
        }
    )
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert "RateLimit" in limited.headers and "Rate limit exceeded" in limited.json()["detail"]
    # Nothing was stored for the refused request.
    texts = [
        item["content"][0]["text"]
        for item in await me.items(first.thread_id)
        if item["type"] == "user_message"
    ]
    assert texts == ["hi", "show my tasks"]

    # Another user has a budget of their own.
    assert (await chat(bob).create("hi")).response.status_code == 200

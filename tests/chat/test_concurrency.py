"""Two turns at once in one thread (a double submit, two tabs): both are answered, nothing is lost."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from tests.chat.conftest import ChatClient
from tests.conftest import UserHandle

Chat = Callable[[UserHandle], ChatClient]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"agent_rate_limit": 1_000}


async def test_concurrent_turns_in_one_thread(chat: Chat, alice: UserHandle) -> None:
    me = chat(alice)
    thread_id = (await me.create("hi")).thread_id
    turns = await asyncio.gather(*(me.say(thread_id, f"Create a task to call person {n}") for n in range(4)))
    assert all(not turn.errors for turn in turns), [turn.errors for turn in turns]
    items = await me.items(thread_id)
    said = [item["content"][0]["text"] for item in items if item["type"] == "user_message"]
    assert sorted(said[1:]) == [f"Create a task to call person {n}" for n in range(4)]
    assert sum(1 for item in items if item["type"] == "assistant_message") == 5

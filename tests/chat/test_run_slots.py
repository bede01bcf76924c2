"""Chat turns take turns with every other agent run (`RunSlots`): a turn that must wait says so with a
progress update, and one that waits past AGENT_QUEUE_SECONDS ends with a "busy" error, its message kept."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

from taskagent.agents.admission import BUSY_MESSAGE, WAITING_NOTICE
from taskagent.agents.runner import AgentRuntime
from taskagent.resources import app_resources
from tests.chat.conftest import ChatClient
from tests.conftest import UserHandle

Chat = Callable[[UserHandle], ChatClient]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"agent_max_concurrent_runs": 1, "agent_queue_seconds": 0.3}


def _progress(events: list[dict[str, Any]]) -> list[str]:
    return [event["text"] for event in events if event["type"] == "progress_update"]


async def test_a_turn_that_waits_too_long_is_told_the_assistant_is_busy(
    chat: Chat, app: FastAPI, alice: UserHandle
) -> None:
    me = chat(alice)
    runtime: AgentRuntime = app_resources(app).agent_runtime
    async with runtime.slots.take():  # another answer is streaming
        turn = await me.create("add a task to call the bank")
    assert WAITING_NOTICE in _progress(turn.events)
    assert [error["message"] for error in turn.errors] == [BUSY_MESSAGE]
    assert turn.errors[0]["allow_retry"] is True
    items = await me.items(turn.thread_id)
    assert [item["type"] for item in items] == ["user_message"]  # the message is kept, nothing ran
    tasks = await me.http.get("/tasks", headers=alice.headers)
    assert tasks.json() == []

    again = await me.say(turn.thread_id, "add a task to call the bank")  # the slot is free again
    assert again.errors == [] and WAITING_NOTICE not in _progress(again.events)
    assert [task["title"] for task in (await me.http.get("/tasks", headers=alice.headers)).json()]
    assert runtime.slots.running == 0


async def test_a_waiting_turn_runs_once_a_slot_frees(chat: Chat, app: FastAPI, alice: UserHandle) -> None:
    me = chat(alice)
    runtime: AgentRuntime = app_resources(app).agent_runtime
    runtime.slots.queue_seconds = 30
    async with runtime.slots.take():
        turn_task = asyncio.create_task(me.create("hello"))
        for _ in range(500):
            if runtime.slots.waiting == 1:
                break
            await asyncio.sleep(0.01)
        assert runtime.slots.waiting == 1 and not turn_task.done()
    turn = await turn_task
    assert WAITING_NOTICE in _progress(turn.events)
    assert turn.errors == [] and turn.reply
    assert runtime.slots.running == 0

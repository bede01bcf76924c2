"""What the assistant offers to do, it does when the user says yes: through `POST /chatkit` and
`POST /tasks/{id}/help` on the offline engine, with the user's tasks read back by REST.

The offers: a suggested priority after a new task ("It sounds urgent: make it high?"), the breakdown's
“create them” and the scheduler's “set it” / “schedule it for <day>”.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.agents.support import ask_events, create_task, text_of
from tests.chat.conftest import ChatClient
from tests.conftest import UserHandle

# The engine's behaviour, the same on either database: PostgreSQL only, to keep the suite short.
pytestmark = pytest.mark.backends("postgres")

Chat = Callable[[UserHandle], ChatClient]
YES = ["yes", "ok do it", "sure", "Yes please"]  # every offer reads them alike (intents.said_yes)


async def tasks_of(client: httpx.AsyncClient, user: UserHandle) -> list[dict[str, Any]]:
    response = await client.get("/tasks", params={"limit": 100}, headers=user.headers)
    assert response.status_code == 200, response.text
    tasks: list[dict[str, Any]] = response.json()
    return tasks


@pytest.mark.parametrize("answer", YES)
async def test_a_suggested_high_priority_is_set_on_yes(
    chat: Chat, client: httpx.AsyncClient, alice: UserHandle, answer: str
) -> None:
    client_chat = chat(alice)
    first = await client_chat.create("add a task to submit the grant application, the deadline is tomorrow")
    [task] = await tasks_of(client, alice)
    assert task["title"] == "Submit the grant application" and task["priority"] == "normal"
    assert "It sounds urgent: make it high?" in first.reply

    second = await client_chat.say(first.thread_id, answer)

    [task] = await tasks_of(client, alice)
    assert task["priority"] == "high", second.reply
    assert f"#{task['id']}" in second.reply and "high" in second.reply


async def test_a_suggested_low_priority_is_set_on_yes(
    chat: Chat, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    client_chat = chat(alice)
    first = await client_chat.create("could you add fixing the fence at some point")
    assert "make it low?" in first.reply
    await client_chat.say(first.thread_id, "ok")
    [task] = await tasks_of(client, alice)
    assert task["priority"] == "low" and "some point" not in task["title"].lower()


async def test_a_declined_suggestion_changes_nothing(
    chat: Chat, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    client_chat = chat(alice)
    first = await client_chat.create("add a task to pay the council tax, it's time-sensitive")
    [before] = await tasks_of(client, alice)
    assert before["title"] == "Pay the council tax" and "make it high?" in first.reply

    second = await client_chat.say(first.thread_id, "nah, leave it")

    assert await tasks_of(client, alice) == [before]
    assert "stays at normal priority" in second.reply


async def test_the_users_own_priority_word_wins(
    chat: Chat, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    turn = await chat(alice).create(
        "add a task to submit the grant application, low priority, deadline is tomorrow"
    )
    [task] = await tasks_of(client, alice)
    assert task["priority"] == "low"
    assert "make it" not in turn.reply


async def test_a_new_request_after_an_offer_is_read_as_itself(
    chat: Chat, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    client_chat = chat(alice)
    first = await client_chat.create("add a task to pay the council tax, it's time-sensitive")
    await client_chat.say(first.thread_id, "add a task to water the plants")
    titles = {task["title"]: task["priority"] for task in await tasks_of(client, alice)}
    assert titles == {"Pay the council tax": "normal", "Water the plants": "normal"}


@pytest.mark.parametrize("answer", ["yes", "sure"])
async def test_a_breakdown_in_chat_creates_its_steps_on_yes(
    chat: Chat, client: httpx.AsyncClient, alice: UserHandle, answer: str
) -> None:
    await create_task(client, alice, title="Review report")
    report = await create_task(client, alice, title="Review the Q4 report")
    client_chat = chat(alice)
    first = await client_chat.create("help me break down the Q4 report task")
    assert "Review the Q4 report" in first.reply and "Say “create them”" in first.reply

    await client_chat.say(first.thread_id, answer)

    subtasks = [task for task in await tasks_of(client, alice) if task["parent_id"] == report["id"]]
    assert len(subtasks) >= 3


@pytest.mark.parametrize("answer", ["ok do it", "Yes please"])
async def test_the_schedulers_offer_in_a_help_thread_is_set_on_yes(
    client: httpx.AsyncClient, alice: UserHandle, answer: str
) -> None:
    due = (datetime.now(UTC) + timedelta(days=20)).replace(microsecond=0)
    task = await create_task(client, alice, title="Prepare the board presentation", due_date=due.isoformat())
    first = text_of(await ask_events(client, alice, task["id"], "When should I work on this?"))
    assert "Say “set it”" in first

    second = text_of(await ask_events(client, alice, task["id"], answer))

    [after] = await tasks_of(client, alice)
    assert after["due_date"] != task["due_date"], second
    assert "now due" in second


async def test_schedule_it_for_a_day_in_a_help_thread(client: httpx.AsyncClient, alice: UserHandle) -> None:
    task = await create_task(client, alice, title="Prepare the board presentation")
    first = text_of(await ask_events(client, alice, task["id"], "When should I work on this?"))
    assert "schedule it for <day>" in first
    await ask_events(client, alice, task["id"], "schedule it for friday")
    [after] = await tasks_of(client, alice)
    assert after["due_date"] is not None
    assert datetime.fromisoformat(after["due_date"].replace("Z", "+00:00")).weekday() == 4


@pytest.mark.parametrize("answer", ["yes", "create them"])
async def test_a_breakdown_in_a_help_thread_creates_its_steps_on_yes(
    client: httpx.AsyncClient, alice: UserHandle, answer: str
) -> None:
    task = await create_task(client, alice, title="Plan the team offsite")
    first = text_of(await ask_events(client, alice, task["id"], "Can you break this into steps?"))
    assert "Say “create them”" in first

    await ask_events(client, alice, task["id"], answer)

    subtasks = [item for item in await tasks_of(client, alice) if item["parent_id"] == task["id"]]
    assert len(subtasks) >= 3


async def test_the_schedulers_offer_in_chat_is_set_on_yes(
    chat: Chat, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create_task(client, alice, title="Prepare the board presentation")
    client_chat = chat(alice)
    first = await client_chat.create("when should I work on the board presentation?")
    assert "Say “set it”" in first.reply

    second = await client_chat.say(first.thread_id, "ok do it")

    [after] = await tasks_of(client, alice)
    assert after["id"] == task["id"] and after["due_date"] is not None, second.reply
    assert "now due" in second.reply

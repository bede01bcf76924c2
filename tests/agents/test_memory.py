"""Each task's help requests form one thread, and the next request sees the earlier ones.

On both backends: with the offline engine (the second run's model input holds the first exchange, and
the engine acts on it) and with a fake OpenAI-compatible provider (the request body it received holds it).
"""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from taskagent.agents.offline import OfflineModel
from tests.agents.recording import Recorder
from tests.agents.support import (
    agents_seen,
    ask_events,
    create_task,
    install_model,
    install_settings,
    item_text,
    last,
    text_of,
    thread_items,
)
from tests.conftest import UserHandle
from tests.fakes import FakeChatCompletions, text, tool_call


def _contents(items: list[object]) -> list[tuple[str, str]]:
    """(role, text) of the message items of a model input."""
    found = []
    for item in items:
        if isinstance(item, dict) and item.get("role") in {"user", "assistant"}:
            content = item.get("content")
            assert isinstance(content, str), "history is replayed as plain text"
            found.append((item["role"], content))
    return found


async def test_second_help_request_sees_the_first(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    recorder = Recorder()
    install_model(app, lambda settings, role: recorder.wrap(OfflineModel(role), role))
    task = await create_task(client, alice, title="Redesign the website")

    first = await ask_events(client, alice, task["id"], "Help me break this down into steps")
    assert agents_seen(first) == ["triage", "breakdown"]
    steps_answer = text_of(first).strip()
    recorder.calls.clear()

    second = await ask_events(client, alice, task["id"], "Please create them as subtasks")
    assert last(second, "done")["thread_id"] == last(first, "done")["thread_id"]

    # Every model call of the second run got the first exchange, then the new request, in order.
    assert recorder.calls
    for call in recorder.calls:
        assert _contents(call.input)[:3] == [
            ("user", "Help me break this down into steps"),
            ("assistant", steps_answer),
            ("user", "Please create them as subtasks"),
        ]
    # The engine acted on it: the steps it proposed the first time are now subtasks of the task.
    created = [
        event.data for event in second if event.name == "tool" and event.data["name"] == "create_subtasks"
    ]
    assert created, [event.name for event in second]
    subtasks = (await client.get("/tasks", params={"parent_id": task["id"]}, headers=alice.headers)).json()
    assert len(subtasks) >= 3
    for subtask in subtasks:
        assert subtask["title"].lower() in steps_answer.lower()

    items = await thread_items(app, alice.id, task["id"])
    assert [item["type"] for item in items] == ["user_message", "assistant_message"] * 2
    assert item_text(items[1]) == steps_answer


async def test_each_task_has_its_own_thread(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    recorder = Recorder()
    install_model(app, lambda settings, role: recorder.wrap(OfflineModel(role), role))
    one = await create_task(client, alice, title="Redesign the website")
    two = await create_task(client, alice, title="Plan the offsite")
    first = await ask_events(client, alice, one["id"], "Help me break this down into steps")
    recorder.calls.clear()
    other = await ask_events(client, alice, two["id"], "When should I do this?")
    assert last(other, "done")["thread_id"] != last(first, "done")["thread_id"]
    for call in recorder.calls:
        assert _contents(call.input) == [("user", "When should I do this?")]
    assert len(await thread_items(app, alice.id, one["id"])) == 2
    assert len(await thread_items(app, alice.id, two["id"])) == 2


async def test_a_provider_receives_the_earlier_turn(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    with FakeChatCompletions(
        tool_call("transfer_to_scheduler_agent"),
        text("Thursday morning is free: do it then."),
        tool_call("transfer_to_scheduler_agent"),
        text("Then Friday at 9."),
    ) as fake:
        install_settings(app, taskagent_model="openai-compatible:test", openai_base_url=fake.base_url)
        task = await create_task(client, alice, title="Prepare the board presentation")
        first = await ask_events(client, alice, task["id"], "When should I work on this?")
        assert text_of(first) == "Thursday morning is free: do it then."
        second = await ask_events(client, alice, task["id"], "And if Thursday is taken?")
        assert text_of(second) == "Then Friday at 9."

        bodies = fake.bodies
        assert len(bodies) == 4
        third = [
            (m["role"], m["content"]) for m in bodies[2]["messages"] if m["role"] in {"user", "assistant"}
        ]
        assert third == [
            ("user", "When should I work on this?"),
            ("assistant", "Thursday morning is free: do it then."),
            ("user", "And if Thursday is taken?"),
        ]
        # The focus task and the clock reach the provider in the system prompt.
        system = bodies[2]["messages"][0]
        assert system["role"] == "system"
        assert f"Focus task: #{task['id']}" in system["content"]
        assert "\nNow: " in system["content"]


async def test_the_thread_grows_in_order(client: httpx.AsyncClient, app: FastAPI, alice: UserHandle) -> None:
    requests = 3
    task = await create_task(client, alice, title="Write the annual report")
    for number in range(requests):
        await ask_events(client, alice, task["id"], f"When should I do this? ({number})", path="schedule")
    items = await thread_items(app, alice.id, task["id"])
    assert [item_text(item) for item in items[::2]] == [
        f"When should I do this? ({n})" for n in range(requests)
    ]
    assert all(item["type"] == "assistant_message" and item["agent"] == "scheduler" for item in items[1::2])


async def test_concurrent_requests_share_one_thread(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    task = await create_task(client, alice, title="Prepare the board presentation")
    queries = [f"When should I do this? ({n})" for n in range(3)]
    results = await asyncio.gather(
        *(ask_events(client, alice, task["id"], query, path="schedule") for query in queries)
    )
    assert len({last(events, "done")["thread_id"] for events in results}) == 1
    items = await thread_items(app, alice.id, task["id"])
    assert len(items) == 6
    assert sorted(item_text(item) for item in items if item["type"] == "user_message") == queries

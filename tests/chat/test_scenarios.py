"""The five validation scenarios of the second seed, through `POST /chatkit` on the offline engine:
create, list, resume a thread in a new client, two users isolated, and an answer streamed in pieces."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from fastapi import FastAPI

from tests.agents.support import create_task
from tests.chat.conftest import ChatClient, asgi_post, is_delta, record_inputs, user_input
from tests.conftest import DEFAULT_PASSWORD, UserHandle
from tests.fakes import FakeChatCompletions, Reply

Chat = Callable[[UserHandle], ChatClient]


async def tasks_of(client: httpx.AsyncClient, user: UserHandle) -> list[dict[str, Any]]:
    response = await client.get("/tasks", headers=user.headers)
    assert response.status_code == 200
    tasks: list[dict[str, Any]] = response.json()
    return tasks


async def test_scenario_1_create_a_task(chat: Chat, client: httpx.AsyncClient, alice: UserHandle) -> None:
    turn = await chat(alice).create("Create a task to review the Q4 report with high priority")

    [task] = await tasks_of(client, alice)
    assert "review" in task["title"].lower() and "q4 report" in task["title"].lower()
    assert "priority" not in task["title"].lower()
    assert task["priority"] == "high" and task["status"] == "pending" and task["owner_id"] == alice.id
    assert turn.actions == [f"Created task #{task['id']}: {task['title']}"]
    assert "q4" in turn.reply.lower() and f"#{task['id']}" in turn.reply
    assert len(turn.deltas) > 1


async def test_scenario_2_list_tasks(chat: Chat, client: httpx.AsyncClient, alice: UserHandle) -> None:
    await create_task(client, alice, title="Review Q4 report", priority="high")
    await create_task(client, alice, title="Update the slides")

    turn = await chat(alice).create("What tasks do I have?")
    reply = turn.reply.lower()
    assert "review q4 report" in reply and "update the slides" in reply and "high" in reply
    assert turn.actions == ["Looked up your tasks: 2 tasks"]
    assert await tasks_of(client, alice) and len(await tasks_of(client, alice)) == 2  # nothing changed


async def test_scenario_3_resume_a_thread_in_a_new_client(
    chat: Chat, app: FastAPI, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    yesterday = await chat(alice).create("Create a task to write unit tests")
    thread_id = yesterday.thread_id

    # Next day, another browser: sign in again, with a new HTTP client and a new token.
    transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as browser:
        token = await browser.post("/token", data={"username": alice.email, "password": DEFAULT_PASSWORD})
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        again = ChatClient(
            browser, UserHandle(alice.id, alice.email, token.json()["access_token"], headers=headers)
        )

        threads = await again.call("threads.list", order="desc")
        assert [thread["id"] for thread in threads["data"]] == [thread_id]
        assert threads["data"][0]["title"] == "Create a task to write unit tests"
        loaded = await again.call("threads.get_by_id", thread_id=thread_id)
        texts = [part["text"] for item in loaded["items"]["data"] for part in item.get("content", [])]
        assert texts[0] == "Create a task to write unit tests" and any("unit tests" in t for t in texts[1:])

        inputs = record_inputs(app)
        shown = await again.say(thread_id, "Show my tasks")
        assert "write unit tests" in shown.reply.lower()
        # The model saw yesterday's conversation, not just today's message.
        replayed = str(inputs[-1])
        assert "Create a task to write unit tests" in replayed and "Show my tasks" in replayed

        remembered = await again.say(thread_id, "What did we just do?")
        assert "unit tests" in remembered.reply.lower()

    items = await chat(alice).items(thread_id)
    assert [item["type"] for item in items if item["type"] in {"user_message", "assistant_message"}] == [
        "user_message",
        "assistant_message",
    ] * 3


async def test_scenario_4_two_users_are_isolated(
    chat: Chat, client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    alices = await chat(alice).create("Create a task called Confidential project")
    assert not alices.errors
    await create_task(client, bob, title="Bob's own errand")

    bobs = await chat(bob).create("Show all tasks")
    assert "confidential" not in bobs.reply.lower()
    assert "bob's own errand" in bobs.reply.lower()
    assert [task["title"] for task in await tasks_of(client, bob)] == ["Bob's own errand"]
    bob_threads = await chat(bob).call("threads.list")
    assert [thread["id"] for thread in bob_threads["data"]] == [bobs.thread_id]
    # Alice's task is untouched and hers alone.
    [task] = await tasks_of(client, alice)
    assert task["title"].lower().startswith("confidential project")


async def test_scenario_5_answers_stream_in_pieces(
    chat: Chat, app: FastAPI, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    body = {
        "type": "threads.create",
        "params": {"input": user_input("Create 3 tasks: review report, update slides, email team")},
    }
    received = await asgi_post(app, alice, body)
    events = [event for _, event in received]
    deltas = [event["update"]["delta"] for event in events if is_delta(event)]
    assert len(deltas) >= 5, deltas
    # Work is visible before the answer: a progress update and the three actions come first.
    types = [event["type"] for event in events]
    assert types.index("progress_update") < types.index("thread.item.added")
    assert len(await tasks_of(client, alice)) == 3
    text = "".join(deltas).lower()
    assert "review report" in text and "update slides" in text and "email team" in text


async def test_scenario_5_deltas_reach_the_client_as_the_model_sends_them(
    app: FastAPI, alice: UserHandle
) -> None:
    """With a model that takes time per token, the first words arrive long before the last."""
    from tests.agents.support import install_settings

    answer = "Here is a fairly long answer that arrives one word at a time from the model server."
    with FakeChatCompletions(Reply(text=answer, delay=0.03)) as fake:
        install_settings(app, taskagent_model="openai-compatible:test-model", openai_base_url=fake.base_url)
        body = {"type": "threads.create", "params": {"input": user_input("Tell me something")}}
        received = await asgi_post(app, alice, body)
    times = [moment for moment, event in received if is_delta(event)]
    assert len(times) >= 10
    assert times[-1] - times[0] > 0.2  # spread over the answer, not sent in one burst at the end

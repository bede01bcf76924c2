"""The agent run as ChatKit events: hand-offs and tool actions shown, one id per assistant message,
a second Chat Completions turn that works, and nothing lost when the model fails or the client leaves.

The three bugs of openai-chatkit 1.6.5 fixed here (see chat/events.py and conversations/history.py):
- `stream_agent_response` drops hand-offs: they arrive as `progress_update` and persisted `task` items;
- Chat Completions models give every assistant message the id `__fake_id__`: each gets a store id;
- the default converter replays assistant history as `output_text`, which the Chat Completions converter
  refuses on the second turn: assistant history goes back as plain text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from agents.exceptions import UserError
from agents.models.chatcmpl_converter import Converter
from chatkit.agents import ThreadItemConverter
from chatkit.types import AssistantMessageContent, AssistantMessageItem
from fastapi import FastAPI
from sqlalchemy import select

from taskagent.conversations.models import ThreadItem as ItemRow
from taskagent.db import session_scope
from taskagent.resources import app_resources
from tests.agents.support import create_task, install_settings
from tests.chat.conftest import ChatClient, Turn, asgi_post, user_input
from tests.conftest import UserHandle
from tests.fakes import Cut, FakeChatCompletions, HttpError, Reply, text, tool_call

Chat = Callable[[UserHandle], ChatClient]
FAKE_ID = "__fake_id__"


async def stored_items(app: FastAPI, thread_id: str) -> list[dict[str, Any]]:
    async with session_scope(app_resources(app).session_factory) as session:
        rows = await session.execute(
            select(ItemRow).where(ItemRow.thread_id == thread_id).order_by(ItemRow.seq)
        )
        return [row.data for row in rows.scalars()]


def text_of(item: dict[str, Any]) -> str:
    return "".join(part.get("text", "") for part in item.get("content", []))


def event_types(turn: Turn) -> list[str]:
    return [event["type"] for event in turn.events]


# --- visible work, on the offline engine ---------------------------------------------------------------


async def test_tool_actions_show_in_the_stream_and_stay_in_the_thread(
    chat: Chat, alice: UserHandle, app: FastAPI
) -> None:
    me = chat(alice)
    turn = await me.create("Create 3 tasks: review report, update slides, email team")
    assert not turn.errors
    progress = [event["text"] for event in turn.events if event["type"] == "progress_update"]
    assert progress and progress[0] == "Creating tasks…"
    assert len(turn.actions) == 3 and all(action.startswith("Created task #") for action in turn.actions)
    assert any("Review report" in action for action in turn.actions)
    # Progress first, then the actions, then the answer that talks about them.
    types = event_types(turn)
    first_action = next(
        i
        for i, e in enumerate(turn.events)
        if e["type"] == "thread.item.done" and e["item"]["type"] == "task"
    )
    assert types.index("progress_update") < first_action < types.index("thread.item.added")

    stored = await stored_items(app, turn.thread_id)
    assert [item["task"]["title"] for item in stored if item["type"] == "task"] == turn.actions
    # The ids in the action lines are the real ones.
    tasks = (await me.http.get("/tasks", headers=alice.headers)).json()
    for task in tasks:
        assert f"Created task #{task['id']}: {task['title']}" in turn.actions


async def test_a_handoff_shows_in_the_stream(
    chat: Chat, alice: UserHandle, client: Any, app: FastAPI
) -> None:
    await create_task(client, alice, title="Integrate the payment API")
    turn = await chat(alice).create("I'm stuck on the payment API task, the vendor never sent the API keys")
    assert not turn.errors, turn.errors
    progress = [event["text"] for event in turn.events if event["type"] == "progress_update"]
    assert "Handed off to Blocker Agent" in progress
    assert "Handed off to Blocker Agent" in turn.actions
    assert turn.reply.strip()
    stored = await stored_items(app, turn.thread_id)
    assert any(
        item["type"] == "task" and item["task"]["title"] == "Handed off to Blocker Agent" for item in stored
    )


async def test_answers_stream_in_several_deltas_with_store_ids(chat: Chat, alice: UserHandle) -> None:
    me = chat(alice)
    first = await me.create("Create a task to review the Q4 report with high priority")
    second = await me.say(first.thread_id, "What tasks do I have?")
    for turn in (first, second):
        assert len(turn.deltas) >= 3
        assert "".join(turn.deltas) == turn.reply
    ids = [turn.done_items("assistant_message")[-1]["id"] for turn in (first, second)]
    assert len(set(ids)) == 2 and all(value.startswith("msg_") for value in ids)


# --- Chat Completions (Ollama, vLLM, LM Studio): the fake speaks the real wire format ------------------


def test_the_sdk_default_converter_breaks_chat_completions() -> None:
    """Why history is replayed by our own converter (`conversations.history.model_input`): the SDK's
    default replays assistant text as `output_text`."""
    item = AssistantMessageItem(
        id="msg_1",
        thread_id="thr_1",
        created_at="2026-11-20T10:00:00Z",
        content=[AssistantMessageContent(text="Hi")],
    )
    replayed = asyncio.run(ThreadItemConverter().to_agent_input([item]))
    with pytest.raises(UserError, match="Unknown content"):
        Converter.items_to_messages(replayed)


async def test_two_turns_on_chat_completions(chat: Chat, alice: UserHandle, app: FastAPI) -> None:
    with FakeChatCompletions(
        tool_call("create_tasks", {"tasks": [{"title": "Review Q4 report", "priority": "high"}]}),
        text("Created high priority task: Review Q4 report."),
        tool_call("list_tasks", {}),
        text("You have 1 task: Review Q4 report (high priority)."),
    ) as fake:
        install_settings(app, taskagent_model="openai-compatible:test-model", openai_base_url=fake.base_url)
        me = chat(alice)
        first = await me.create("Create a task to review the Q4 report with high priority")
        second = await me.say(first.thread_id, "What tasks do I have?")

        for turn in (first, second):
            assert not turn.errors, turn.errors
            assert all(event.get("item", {}).get("id") != FAKE_ID for event in turn.events)
            assert all(event.get("item_id") != FAKE_ID for event in turn.events)
        assert first.reply == "Created high priority task: Review Q4 report."
        assert second.reply == "You have 1 task: Review Q4 report (high priority)."
        assert len(second.deltas) > 1

        stored = await stored_items(app, first.thread_id)
        replies = [item for item in stored if item["type"] == "assistant_message"]
        assert [text_of(item) for item in replies] == [first.reply, second.reply]
        assert len({item["id"] for item in replies}) == 2

        # The second turn's request carried the first answer back as plain text.
        third_request = fake.bodies[2]["messages"]
        assistant = [m for m in third_request if m["role"] == "assistant" and m.get("content")]
        assert {"role": "assistant", "content": first.reply} in [
            {"role": m["role"], "content": m["content"]} for m in assistant
        ]
        assert [m["content"] for m in third_request if m["role"] == "user"][-1] == "What tasks do I have?"


async def test_a_handoff_on_chat_completions(chat: Chat, alice: UserHandle, app: FastAPI) -> None:
    with FakeChatCompletions(
        tool_call("transfer_to_scheduler_agent"),
        text("Do it Thursday morning."),
        text("Anything else?"),
    ) as fake:
        install_settings(app, taskagent_model="openai-compatible:test-model", openai_base_url=fake.base_url)
        me = chat(alice)
        turn = await me.create("When should I do my tasks this week?")
        assert turn.actions == ["Handed off to Scheduler Agent"]
        assert turn.reply == "Do it Thursday morning."
        again = await me.say(turn.thread_id, "thanks")
        assert again.reply == "Anything else?" and not again.errors


# --- failures: the user's message stays, the error shows, the thread goes on ---------------------------


async def test_a_failed_model_call_ends_with_an_error_the_client_can_show(
    chat: Chat, alice: UserHandle, app: FastAPI
) -> None:
    with FakeChatCompletions(HttpError(500), HttpError(500), text("Back again.")) as fake:
        install_settings(app, taskagent_model="openai-compatible:test-model", openai_base_url=fake.base_url)
        me = chat(alice)
        turn = await me.create("What tasks do I have?")
        assert turn.errors, turn.events
        error = turn.errors[-1]
        assert error["allow_retry"] is True and "HTTP 500" in error["message"]
        assert "api_key" not in error["message"].lower()

        stored = await stored_items(app, turn.thread_id)
        assert [item["type"] for item in stored] == ["user_message"]
        assert text_of(stored[0]) == "What tasks do I have?"

        # The thread is still usable: retry the same message.
        retried = await me.stream(
            "threads.retry_after_item", thread_id=turn.thread_id, item_id=stored[0]["id"]
        )
        assert retried.reply == "Back again." and not retried.errors


async def test_an_answer_cut_mid_stream_keeps_what_was_said(
    chat: Chat, alice: UserHandle, app: FastAPI
) -> None:
    with FakeChatCompletions(
        Cut(after_text="You have three tasks and the first"), text("Here they are.")
    ) as fake:
        install_settings(app, taskagent_model="openai-compatible:test-model", openai_base_url=fake.base_url)
        me = chat(alice)
        turn = await me.create("What tasks do I have?")
        assert turn.errors and turn.errors[-1]["allow_retry"] is True
        stored = await stored_items(app, turn.thread_id)
        assert [item["type"] for item in stored] == ["user_message", "assistant_message"]
        assert text_of(stored[1]).startswith("You have three tasks")

        follow = await me.say(turn.thread_id, "Go on")
        assert follow.reply == "Here they are." and not follow.errors


# --- a client that goes away mid-answer ----------------------------------------------------------------


async def test_a_disconnect_mid_answer_keeps_the_message_and_the_partial_answer(
    chat: Chat, alice: UserHandle, app: FastAPI
) -> None:
    words = " ".join(f"word{n}" for n in range(60))
    with FakeChatCompletions(Reply(text=words, delay=0.05), text("Still here.")) as fake:
        install_settings(app, taskagent_model="openai-compatible:test-model", openai_base_url=fake.base_url)
        body = {"type": "threads.create", "params": {"input": user_input("Tell me everything")}}
        events = [event for _, event in await asgi_post(app, alice, body, leave_after_deltas=5)]
        thread_id = events[0]["thread"]["id"]
        stored = await stored_items(app, thread_id)
        kinds = [item["type"] for item in stored]
        assert kinds == ["user_message", "assistant_message", "sdk_hidden_context"], kinds
        partial = text_of(stored[1])
        assert partial.startswith("word0 word1 word2") and len(partial) < len(words)

        # The run stopped with the stream: no second model call, and the thread goes on.
        assert len(fake.bodies) == 1
        follow = await chat(alice).say(thread_id, "Are you there?")
        assert follow.reply == "Still here."
        visible = await chat(alice).items(thread_id)
        assert "sdk_hidden_context" not in [item["type"] for item in visible]


async def test_a_shutdown_mid_answer_keeps_the_partial_answer(
    chat: Chat, alice: UserHandle, app: FastAPI
) -> None:
    words = " ".join(f"word{n}" for n in range(200))
    with FakeChatCompletions(Reply(text=words, delay=0.05)) as fake:
        runtime = install_settings(
            app, taskagent_model="openai-compatible:test-model", openai_base_url=fake.base_url
        )
        body = {"type": "threads.create", "params": {"input": user_input("Tell me everything")}}
        request = asyncio.create_task(asgi_post(app, alice, body))
        while runtime.active_runs == 0 or len(fake.bodies) == 0:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # some words are out
        await runtime.aclose(grace_seconds=10)
        events = [event for _, event in await asyncio.wait_for(request, timeout=10)]
    thread_id = events[0]["thread"]["id"]
    stored = await stored_items(app, thread_id)
    assert [item["type"] for item in stored] == ["user_message", "assistant_message", "sdk_hidden_context"]
    assert text_of(stored[1]).startswith("word0 word1") and len(text_of(stored[1])) < len(words)


async def test_a_run_past_its_time_limit_stops_with_a_clear_error(
    chat: Chat, alice: UserHandle, app: FastAPI
) -> None:
    words = " ".join(f"word{n}" for n in range(100))
    with FakeChatCompletions(Reply(text=words, delay=0.1), text("Quick answer.")) as fake:
        install_settings(
            app,
            taskagent_model="openai-compatible:test-model",
            openai_base_url=fake.base_url,
            agent_max_run_seconds=1.0,
        )
        me = chat(alice)
        turn = await me.create("Tell me everything")
        assert turn.errors and "AGENT_MAX_RUN_SECONDS" in turn.errors[-1]["message"]
        stored = await stored_items(app, turn.thread_id)
        assert [item["type"] for item in stored] == ["user_message", "assistant_message"]
        assert text_of(stored[1]).startswith("word0") and len(text_of(stored[1])) < len(words)
        follow = await me.say(turn.thread_id, "Short version?")
        assert follow.reply == "Quick answer."

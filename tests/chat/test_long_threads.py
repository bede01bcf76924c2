"""Long threads stay bounded: the prompt sent to the model and the rows read per turn do not grow with
the thread, older turns live on in the summary (task ids and titles kept), and the summary is updated
incrementally."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from agents import Model
from fastapi import FastAPI
from sqlalchemy import event, select

from taskagent.agents.model_selection import build_model
from taskagent.config import Settings
from taskagent.conversations.history import CATCH_UP_ROWS, FOLD_STEP, WINDOW_ITEMS
from taskagent.conversations.models import Thread
from taskagent.conversations.models import ThreadItem as ItemRow
from taskagent.conversations.summary import fold, parse_summary
from taskagent.db import session_scope
from taskagent.resources import app_resources
from tests.agents.recording import Recorder
from tests.agents.support import install_model, install_settings
from tests.chat.conftest import ChatClient
from tests.conftest import UserHandle
from tests.fakes import FakeChatCompletions

Chat = Callable[[UserHandle], ChatClient]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"agent_rate_limit": 10_000}


# What one turn may send to the model, whatever the thread's length: the instructions and tool schemas,
# a summary of at most ~6 kB, and at most WINDOW_ITEMS + FOLD_STEP items of at most 2,000 characters.
PROMPT_BOUND = 40_000
ROWS_BOUND = WINDOW_ITEMS + FOLD_STEP + 4


def seeded_items(thread_id: str, count: int, first_task_id: int = 1000) -> list[dict[str, Any]]:
    """A plausible chat: a request, the action it caused, and the answer, over and over."""
    now = datetime.now(UTC).isoformat()
    items: list[dict[str, Any]] = []
    n = 0
    while len(items) < count:
        task_id = first_task_id + n
        common = {"thread_id": thread_id, "created_at": now}
        items.append(
            {
                **common,
                "id": f"msg_u{n}_{thread_id[-8:]}",
                "type": "user_message",
                "attachments": [],
                "inference_options": {},
                "content": [{"type": "input_text", "text": f"Create a task to prepare report number {n}"}],
            }
        )
        items.append(
            {
                **common,
                "id": f"tsk_{n}_{thread_id[-8:]}",
                "type": "task",
                "task": {"type": "custom", "title": f"Created task #{task_id}: Prepare report number {n}"},
            }
        )
        items.append(
            {
                **common,
                "id": f"msg_a{n}_{thread_id[-8:]}",
                "type": "assistant_message",
                "content": [
                    {
                        "type": "output_text",
                        "annotations": [],
                        "text": f"Created task #{task_id} Prepare report number {n}.",
                    }
                ],
            }
        )
        n += 1
    return items[:count]


async def seed(app: FastAPI, user: UserHandle, thread_id: str, count: int, *, summarised: bool) -> None:
    """Append `count` items to a chat thread; with `summarised`, with the summary that incremental folding
    would have left (everything but the recent window), as after a long life of real turns."""
    async with session_scope(app_resources(app).session_factory) as session:
        thread = (await session.execute(select(Thread).where(Thread.id == thread_id))).scalar_one()
        rows = (await session.execute(select(ItemRow).where(ItemRow.thread_id == thread_id))).scalars().all()
        start = max((row.seq for row in rows), default=0)
        data = seeded_items(thread_id, count)
        session.add_all(
            ItemRow(
                id=item["id"],
                thread_id=thread_id,
                owner_id=user.id,
                seq=start + i + 1,
                type=item["type"],
                data=item,
            )
            for i, item in enumerate(data)
        )
        if summarised:
            through = start + count - WINDOW_ITEMS
            older = [row.data for row in sorted(rows, key=lambda row: row.seq)] + data[: count - WINDOW_ITEMS]
            thread.summary, thread.summary_through_seq = fold(None, older), through


@dataclass
class TurnCost:
    statements: int = 0
    item_rows: int = 0


@contextmanager
def counting(app: FastAPI) -> Iterator[TurnCost]:
    """SQL statements sent, and thread-item rows loaded, while the block runs."""
    cost = TurnCost()

    def on_statement(*_: Any) -> None:
        cost.statements += 1

    def on_load(*_: Any) -> None:
        cost.item_rows += 1

    engine = app_resources(app).engine.sync_engine
    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(ItemRow, "load", on_load)
    try:
        yield cost
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(ItemRow, "load", on_load)


def recording(app: FastAPI) -> Recorder:
    recorder = Recorder()

    def factory(settings: Settings, role: str) -> Model:
        return recorder.wrap(build_model(settings, role), role)

    install_model(app, factory)
    return recorder


def prompt_size(recorder: Recorder) -> int:
    """Characters the last model call was given: instructions plus input items."""
    call = recorder.calls[-1]
    return len(call.system or "") + len(json.dumps(call.input))


async def test_prompt_and_reads_per_turn_do_not_grow_with_the_thread(
    chat: Chat, app: FastAPI, alice: UserHandle
) -> None:
    recorder = recording(app)
    me = chat(alice)
    short = (await me.create("hi")).thread_id
    long = (await me.create("hi")).thread_id
    await seed(app, alice, short, 20, summarised=False)
    await seed(app, alice, long, 2_000, summarised=True)

    measured = {}
    for name, thread_id in (("20 items", short), ("2,000 items", long)):
        with counting(app) as cost:
            turn = await me.say(thread_id, "What tasks do I have?")
        assert not turn.errors
        measured[name] = (prompt_size(recorder), cost.statements, cost.item_rows)

    (small_prompt, small_statements, small_rows), (big_prompt, big_statements, big_rows) = measured.values()
    assert big_prompt <= PROMPT_BOUND, measured
    assert big_prompt - small_prompt <= 8_000, measured  # at most the summary's size apart
    assert big_rows <= ROWS_BOUND and big_rows <= small_rows + FOLD_STEP, measured
    assert big_statements <= small_statements + 3, measured  # a fold is one more UPDATE at most

    # The long thread's model input: the summary (with the older tasks as `#id title`), then recent items.
    first = recorder.calls[-1].input[0]
    assert "Tasks mentioned" in str(first["content"]) and "#1650 Prepare report number 650" in str(
        first["content"]
    )
    assert "Prepare report number 0." not in json.dumps(recorder.calls[-1].input)


async def test_the_prompt_stops_growing_over_real_turns(chat: Chat, app: FastAPI, alice: UserHandle) -> None:
    recorder = recording(app)
    me = chat(alice)
    thread_id = (await me.create("Create a task to water the plants")).thread_id
    sizes = []
    for n in range(40):
        turn = await me.say(thread_id, f"Create a task to call supplier number {n}")
        assert not turn.errors
        sizes.append(prompt_size(recorder))
    assert max(sizes) <= PROMPT_BOUND
    assert max(sizes[-10:]) <= max(sizes[15:25]) * 1.1, sizes  # a plateau, not a slope

    async with session_scope(app_resources(app).session_factory) as session:
        thread = (await session.execute(select(Thread).where(Thread.id == thread_id))).scalar_one()
    summary = parse_summary(thread.summary)
    assert thread.summary_through_seq > 0
    # The first task, created 40 turns ago, is still known by id and title.
    tasks = (await me.http.get("/tasks?sort=created_at", headers=alice.headers)).json()
    first = next(task for task in tasks if "water the plants" in task["title"].lower())
    assert summary.tasks[first["id"]][0] == first["title"]


async def test_a_thread_without_summary_catches_up_a_bounded_batch_per_turn(
    chat: Chat, app: FastAPI, alice: UserHandle
) -> None:
    me = chat(alice)
    thread_id = (await me.create("hi")).thread_id
    await seed(app, alice, thread_id, 2_000, summarised=False)
    throughs = []
    for _ in range(3):
        with counting(app) as cost:
            turn = await me.say(thread_id, "hi")
        assert not turn.errors
        assert cost.item_rows <= ROWS_BOUND + CATCH_UP_ROWS
        async with session_scope(app_resources(app).session_factory) as session:
            thread = (await session.execute(select(Thread).where(Thread.id == thread_id))).scalar_one()
        throughs.append(thread.summary_through_seq)
    assert throughs == [CATCH_UP_ROWS, 2 * CATCH_UP_ROWS, 3 * CATCH_UP_ROWS]
    # Seq 3..600 are folded (seq 1-2 are the first "hi" and its answer): the seeded turns 0-198 and the
    # request of turn 199; the summary keeps the 40 most recent tasks of those.
    folded = parse_summary(thread.summary).tasks
    assert sorted(folded) == list(range(1159, 1199))


async def test_a_long_thread_on_chat_completions_sends_a_bounded_request(
    chat: Chat, app: FastAPI, alice: UserHandle
) -> None:
    with FakeChatCompletions() as fake:  # echoes; the recorded request bodies are what a server receives
        install_settings(app, taskagent_model="openai-compatible:test-model", openai_base_url=fake.base_url)
        me = chat(alice)
        short = (await me.create("hi")).thread_id
        long = (await me.create("hi")).thread_id
        await seed(app, alice, short, 20, summarised=False)
        await seed(app, alice, long, 2_000, summarised=True)
        await me.say(short, "What tasks do I have?")
        small = fake.requests[-1].size
        await me.say(long, "What tasks do I have?")
        big = fake.requests[-1].size
    assert big <= PROMPT_BOUND and big - small <= 8_000, (small, big)
    messages = fake.bodies[-1]["messages"]
    assert messages[0]["role"] == "system" and "Tasks mentioned" in str(messages[1]["content"])
    assert len(messages) <= WINDOW_ITEMS + FOLD_STEP + 3


async def test_history_summary_kept_in_the_http_api(chat: Chat, app: FastAPI, alice: UserHandle) -> None:
    """Summarising is for the model only: the client still pages through every item."""
    me = chat(alice)
    thread_id = (await me.create("hi")).thread_id
    await seed(app, alice, thread_id, 300, summarised=True)
    seen, after = 0, None
    while True:
        page = await me.call(
            "items.list", thread_id=thread_id, limit=100, order="asc", **({"after": after} if after else {})
        )
        seen += len(page["data"])
        if not page["has_more"]:
            break
        after = page["after"]
    assert seen == 300 + 2  # the first turn's message and reply, and the seeded items

"""What a model sees of a stored thread: the summary, then the recent items as plain-text messages
(`conversations.history`: one window loader and one converter, for help and chat threads alike)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from taskagent.agents.help import assistant_message, user_message
from taskagent.conversations.history import (
    FOLD_STEP,
    MAX_REPLAYED_CHARS,
    SUMMARY_PREFIX,
    WINDOW_ITEMS,
    HistoryWindow,
    load_window,
    model_input,
)
from taskagent.conversations.models import Thread
from taskagent.conversations.repository import ConversationRepository
from taskagent.db import session_scope
from taskagent.resources import app_resources
from tests.conftest import UserHandle


def test_items_become_plain_text_messages() -> None:
    items: list[dict[str, Any]] = [
        user_message("thr_1", "When should I do #12?"),
        assistant_message("thr_1", "Thursday.", agent="scheduler"),
        {"type": "widget", "id": "w", "widget": {}},
        {"type": "hidden_context_item", "id": "h", "content": "secret"},
        user_message("thr_1", "   "),
        {
            "type": "user_message",
            "content": [
                {"type": "input_text", "text": "about "},
                {"type": "input_tag", "text": "Q4", "id": "t"},
            ],
            "quoted_text": "Thursday.",
        },
    ]
    assert model_input(HistoryWindow("Tasks mentioned: #12", items)) == [
        {
            "type": "message",
            "role": "user",
            "content": SUMMARY_PREFIX + "Tasks mentioned: #12\n</HiddenContext>",
        },
        {"type": "message", "role": "user", "content": "When should I do #12?"},
        {"type": "message", "role": "assistant", "content": "Thursday."},
        {"type": "message", "role": "user", "content": "(Replying to: Thursday.)\nabout @Q4"},
    ]
    assert model_input(HistoryWindow(None, [])) == []


async def test_long_threads_fold_into_the_summary(app: FastAPI, alice: UserHandle, client: Any) -> None:
    created = await client.post("/tasks", json={"title": "Long discussion"}, headers=alice.headers)
    task_id = created.json()["id"]
    async with session_scope(app_resources(app).session_factory) as session:
        repository = ConversationRepository(session, alice.id)
        await repository.add_thread(Thread(id="thr_long", task_id=task_id))

    inputs: list[list[Any]] = []
    for turn in range(20):  # one help request after another: a question and an answer each
        async with session_scope(app_resources(app).session_factory) as session:
            repository = ConversationRepository(session, alice.id)
            current = await repository.get_thread("thr_long")
            assert current is not None
            await repository.add_item(
                current, **_row(user_message("thr_long", f"Question {turn} about #{100 + turn}"))
            )
            inputs.append(model_input(await load_window(repository, current)))
            await repository.add_item(
                current, **_row(assistant_message("thr_long", f"Answer {turn}", agent="blocker"))
            )

    async with session_scope(app_resources(app).session_factory) as session:
        repository = ConversationRepository(session, alice.id)
        thread = await repository.get_thread("thr_long")
        assert thread is not None
        final = model_input(await load_window(repository, thread))
        # Every item is either folded into the summary or replayed: none falls in between.
        window = await repository.recent_items("thr_long", WINDOW_ITEMS + FOLD_STEP)
        replayed = [row for row in window if row.seq > thread.summary_through_seq]
        assert replayed[0].seq == thread.summary_through_seq + 1
        assert thread.summary is not None

    assert WINDOW_ITEMS <= len(final) - 1 < WINDOW_ITEMS + FOLD_STEP
    summary = final[0]["content"]  # type: ignore[typeddict-item]
    assert isinstance(summary, str) and summary.startswith(SUMMARY_PREFIX)
    assert "#100" in summary  # task ids of folded turns are kept
    assert final[-1] == {"type": "message", "role": "assistant", "content": "Answer 19"}
    assert max(len(entry) for entry in inputs) <= WINDOW_ITEMS + FOLD_STEP  # bounded however long it grows
    # Without a summary yet, the input is the whole thread, the new request last.
    assert inputs[0] == [{"type": "message", "role": "user", "content": "Question 0 about #100"}]
    assert inputs[1][-1] == {"type": "message", "role": "user", "content": "Question 1 about #101"}


def _row(data: dict[str, Any]) -> dict[str, Any]:
    return {"item_id": data["id"], "type": data["type"], "data": data}


async def test_a_thread_without_a_summary_catches_up(app: FastAPI, alice: UserHandle, client: Any) -> None:
    created = await client.post("/tasks", json={"title": "Imported discussion"}, headers=alice.headers)
    async with session_scope(app_resources(app).session_factory) as session:
        repository = ConversationRepository(session, alice.id)
        thread = await repository.add_thread(Thread(id="thr_old", task_id=created.json()["id"]))
        for turn in range(30):  # written before summaries existed: nothing folded yet
            await repository.add_item(
                thread, **_row(user_message("thr_old", f"Question about #{200 + turn}"))
            )
        items = model_input(await load_window(repository, thread))
        assert thread.summary_through_seq == 30 - WINDOW_ITEMS
    assert len(items) == 1 + WINDOW_ITEMS
    assert "#200" in str(items[0]["content"])  # type: ignore[typeddict-item]
    assert items[-1] == {"type": "message", "role": "user", "content": "Question about #229"}


def test_older_items_are_cut_and_the_request_is_whole() -> None:
    long = "word " * 1_000
    card = {"type": "task", "task": {"type": "custom", "title": "Created task #12: Review Q4 report"}}
    items = [
        user_message("thr_1", long),
        assistant_message("thr_1", long, agent="task_manager"),
        card,
        user_message("thr_1", long),
    ]
    converted = model_input(HistoryWindow(None, items))
    lengths = [len(str(entry["content"])) for entry in converted]  # type: ignore[typeddict-item]
    assert lengths[0] <= MAX_REPLAYED_CHARS and lengths[1] <= MAX_REPLAYED_CHARS
    assert converted[-1]["content"] == long  # type: ignore[typeddict-item]
    # A tool-action card is replayed as ChatKit's own converter words it.
    assert converted[2] == {
        "type": "message",
        "role": "user",
        "content": "A message was displayed to the user that the following task was performed:\n<Task>\n"
        "Created task #12: Review Q4 report\n</Task>",
    }

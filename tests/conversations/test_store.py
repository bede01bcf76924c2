"""The ChatKit `Store` contract, on our tables: ordering, `after` pagination, per-user isolation, and
save/load/delete of threads, items and attachments. Derived from the `chatkit.store.Store` interface
(the SDK repository's own store tests are not shipped in the wheel); run on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from chatkit.store import NotFoundError
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    ClosedStatus,
    FileAttachment,
    InferenceOptions,
    ThreadItem,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTextContent,
)
from fastapi import FastAPI

from taskagent.chat.context import ChatContext
from taskagent.chat.store import ConversationStore, title_from_message
from taskagent.conversations.models import Thread
from taskagent.conversations.repository import ConversationRepository
from taskagent.db import session_scope
from taskagent.resources import app_resources
from taskagent.tasks.models import Task
from tests.conftest import UserHandle

BASE = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def store() -> ConversationStore:
    return ConversationStore()


def context_for(app: FastAPI, user: UserHandle) -> ChatContext:
    return ChatContext(
        user_id=user.id,
        session_factory=app_resources(app).session_factory,
        settings=app_resources(app).settings,
    )


def thread(
    store: ConversationStore, ctx: ChatContext, minutes: int = 0, title: str | None = None
) -> ThreadMetadata:
    return ThreadMetadata(
        id=store.generate_thread_id(ctx), created_at=BASE + timedelta(minutes=minutes), title=title
    )


def user_message(thread_id: str, text: str, item_id: str) -> UserMessageItem:
    return UserMessageItem(
        id=item_id,
        thread_id=thread_id,
        created_at=datetime.now(UTC),
        content=[UserMessageTextContent(text=text)],
        inference_options=InferenceOptions(),
    )


def assistant_message(thread_id: str, text: str, item_id: str) -> AssistantMessageItem:
    return AssistantMessageItem(
        id=item_id,
        thread_id=thread_id,
        created_at=datetime.now(UTC),
        content=[AssistantMessageContent(text=text)],
    )


def ids(items: list[ThreadItem] | list[ThreadMetadata]) -> list[str]:
    return [item.id for item in items]


async def test_save_and_load_thread(app: FastAPI, alice: UserHandle, store: ConversationStore) -> None:
    ctx = context_for(app, alice)
    meta = thread(store, ctx, title="Planning")
    meta.metadata = {"source": "test"}
    await store.save_thread(meta, context=ctx)

    loaded = await store.load_thread(meta.id, context=ctx)
    assert (loaded.id, loaded.title, loaded.metadata, loaded.status.type) == (
        meta.id,
        "Planning",
        {"source": "test"},
        "active",
    )
    assert loaded.created_at == meta.created_at and loaded.created_at.tzinfo is not None

    loaded.title = "Renamed"
    loaded.status = ClosedStatus(reason="done")
    await store.save_thread(loaded, context=ctx)
    again = await store.load_thread(meta.id, context=ctx)
    assert again.title == "Renamed" and again.status.type == "closed"


async def test_a_stale_copy_without_title_keeps_the_title(
    app: FastAPI, alice: UserHandle, store: ConversationStore
) -> None:
    ctx = context_for(app, alice)
    meta = thread(store, ctx)
    await store.save_thread(meta, context=ctx)
    await store.add_thread_item(
        meta.id, user_message(meta.id, "Plan the offsite\nwith details", "msg_1"), context=ctx
    )
    assert (await store.load_thread(meta.id, context=ctx)).title == "Plan the offsite"
    await store.save_thread(meta, context=ctx)  # the copy the SDK held before the title was set
    assert (await store.load_thread(meta.id, context=ctx)).title == "Plan the offsite"


def test_title_from_first_message() -> None:
    assert title_from_message("  Review   the Q4 report  ") == "Review the Q4 report"
    assert title_from_message("\n\nsecond line first\nmore") == "second line first"
    long = title_from_message("word " * 60)
    assert long is not None and len(long) <= 80 and long.endswith("…")
    assert title_from_message("   ") is None


async def test_missing_thread_is_not_found(app: FastAPI, alice: UserHandle, store: ConversationStore) -> None:
    ctx = context_for(app, alice)
    with pytest.raises(NotFoundError):
        await store.load_thread("thr_missing", context=ctx)
    with pytest.raises(NotFoundError):
        await store.load_thread_items("thr_missing", None, 10, "asc", context=ctx)
    with pytest.raises(NotFoundError):
        await store.add_thread_item("thr_missing", user_message("thr_missing", "hi", "msg_x"), context=ctx)
    with pytest.raises(NotFoundError):
        await store.delete_thread("thr_missing", context=ctx)


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_threads_ordered_and_paginated_with_after(
    app: FastAPI, alice: UserHandle, store: ConversationStore, order: str
) -> None:
    ctx = context_for(app, alice)
    made = []
    for minutes in (3, 0, 4, 1, 2):  # saved out of order
        meta = thread(store, ctx, minutes)
        await store.save_thread(meta, context=ctx)
        made.append((meta.created_at, meta.id))
    expected = [thread_id for _, thread_id in sorted(made, reverse=order == "desc")]

    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = await store.load_threads(2, after, order, context=ctx)
        pages += 1
        seen += ids(page.data)
        assert len(page.data) <= 2
        if not page.has_more:
            assert page.after is None  # the last page names no next one (ChatKit's own store tests)
            break
        assert page.after == page.data[-1].id
        after = page.after
    assert seen == expected
    assert pages == 3
    # `after` names the last thread already seen: the next page starts strictly after it.
    tail = await store.load_threads(10, expected[1], order, context=ctx)
    assert ids(tail.data) == expected[2:] and not tail.has_more and tail.after is None


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_items_ordered_and_paginated_with_after(
    app: FastAPI, alice: UserHandle, store: ConversationStore, order: str
) -> None:
    ctx = context_for(app, alice)
    meta = thread(store, ctx)
    await store.save_thread(meta, context=ctx)
    written = []
    for index in range(7):
        item_id = f"msg_{index:02d}_{meta.id[-6:]}"
        make = user_message if index % 2 == 0 else assistant_message
        await store.add_thread_item(meta.id, make(meta.id, f"text {index}", item_id), context=ctx)
        written.append(item_id)
    expected = written if order == "asc" else list(reversed(written))

    seen: list[str] = []
    after = None
    while True:
        page = await store.load_thread_items(meta.id, after, 3, order, context=ctx)
        seen += ids(page.data)
        if not page.has_more:
            assert len(page.data) == 1 and page.after is None
            break
        assert len(page.data) == 3 and page.after == page.data[-1].id
        after = page.after
    assert seen == expected
    first = await store.load_thread_items(meta.id, None, 7, order, context=ctx)
    assert ids(first.data) == expected and not first.has_more and first.after is None


async def test_items_save_load_replace_delete(
    app: FastAPI, alice: UserHandle, store: ConversationStore
) -> None:
    ctx = context_for(app, alice)
    meta = thread(store, ctx)
    await store.save_thread(meta, context=ctx)
    first = user_message(meta.id, "hello", "msg_first")
    reply = assistant_message(meta.id, "partial", "msg_reply")
    last = user_message(meta.id, "bye", "msg_last")
    for item in (first, reply, last):
        await store.add_thread_item(meta.id, item, context=ctx)

    loaded = await store.load_item(meta.id, "msg_reply", context=ctx)
    assert isinstance(loaded, AssistantMessageItem) and loaded.content[0].text == "partial"

    # save_item upserts in place: the item keeps its position.
    await store.save_item(meta.id, assistant_message(meta.id, "complete answer", "msg_reply"), context=ctx)
    page = await store.load_thread_items(meta.id, None, 10, "asc", context=ctx)
    assert ids(page.data) == ["msg_first", "msg_reply", "msg_last"]
    assert (
        isinstance(page.data[1], AssistantMessageItem) and page.data[1].content[0].text == "complete answer"
    )
    # ... and a new id goes at the end.
    await store.save_item(meta.id, assistant_message(meta.id, "more", "msg_more"), context=ctx)

    await store.delete_thread_item(meta.id, "msg_reply", context=ctx)
    page = await store.load_thread_items(meta.id, None, 10, "asc", context=ctx)
    assert ids(page.data) == ["msg_first", "msg_last", "msg_more"]
    with pytest.raises(NotFoundError):
        await store.load_item(meta.id, "msg_reply", context=ctx)

    await store.delete_thread(meta.id, context=ctx)
    with pytest.raises(NotFoundError):
        await store.load_thread(meta.id, context=ctx)
    async with session_scope(app_resources(app).session_factory) as session:
        repository = ConversationRepository(session, alice.id)
        assert await repository.get_item(meta.id, "msg_first") is None  # items went with the thread


async def test_timestamps_are_stored_in_utc(
    app: FastAPI, alice: UserHandle, store: ConversationStore
) -> None:
    ctx = context_for(app, alice)
    meta = thread(store, ctx)
    await store.save_thread(meta, context=ctx)
    naive = user_message(meta.id, "hi", "msg_naive").model_copy(update={"created_at": datetime.now()})
    await store.add_thread_item(meta.id, naive, context=ctx)
    loaded = await store.load_item(meta.id, "msg_naive", context=ctx)
    assert loaded.created_at.tzinfo is not None and loaded.created_at.utcoffset() == timedelta(0)


async def test_users_are_isolated(
    app: FastAPI, alice: UserHandle, bob: UserHandle, store: ConversationStore
) -> None:
    as_alice, as_bob = context_for(app, alice), context_for(app, bob)
    meta = thread(store, as_alice, title="Alice's plans")
    await store.save_thread(meta, context=as_alice)
    await store.add_thread_item(meta.id, user_message(meta.id, "secret", "msg_secret"), context=as_alice)
    bobs = thread(store, as_bob, minutes=1)
    await store.save_thread(bobs, context=as_bob)

    assert ids((await store.load_threads(10, None, "desc", context=as_bob)).data) == [bobs.id]
    assert ids((await store.load_threads(10, None, "desc", context=as_alice)).data) == [meta.id]
    with pytest.raises(NotFoundError):
        await store.load_thread(meta.id, context=as_bob)
    with pytest.raises(NotFoundError):
        await store.load_thread_items(meta.id, None, 10, "asc", context=as_bob)
    with pytest.raises(NotFoundError):
        await store.load_item(meta.id, "msg_secret", context=as_bob)
    with pytest.raises(NotFoundError):
        await store.add_thread_item(meta.id, user_message(meta.id, "injected", "msg_bob"), context=as_bob)
    with pytest.raises(NotFoundError):
        await store.save_item(meta.id, user_message(meta.id, "overwrite", "msg_secret"), context=as_bob)
    with pytest.raises(NotFoundError):
        await store.delete_thread_item(meta.id, "msg_secret", context=as_bob)
    with pytest.raises(NotFoundError):
        await store.delete_thread(meta.id, context=as_bob)
    # Bob's own thread does not reach Alice's items through an item id either.
    with pytest.raises(NotFoundError):
        await store.load_item(bobs.id, "msg_secret", context=as_bob)
    # An `after` cursor naming another user's thread reveals nothing: it is ignored.
    page = await store.load_threads(10, meta.id, "desc", context=as_bob)
    assert ids(page.data) == [bobs.id]

    # Alice's thread is intact.
    assert (await store.load_thread(meta.id, context=as_alice)).title == "Alice's plans"
    items = await store.load_thread_items(meta.id, None, 10, "asc", context=as_alice)
    assert [item.content[0].text for item in items.data if isinstance(item, UserMessageItem)] == ["secret"]


async def test_help_threads_are_not_chat_threads(
    app: FastAPI, alice: UserHandle, store: ConversationStore
) -> None:
    ctx = context_for(app, alice)
    async with session_scope(app_resources(app).session_factory) as session:
        task = Task(title="Helped task", owner_id=alice.id)
        session.add(task)
        await session.flush()
        await ConversationRepository(session, alice.id).add_thread(
            Thread(id="thr_help", task_id=task.id, title="Help: Helped task")
        )
    chat = thread(store, ctx)
    await store.save_thread(chat, context=ctx)

    assert ids((await store.load_threads(10, None, "desc", context=ctx)).data) == [chat.id]
    with pytest.raises(NotFoundError):
        await store.load_thread("thr_help", context=ctx)
    with pytest.raises(NotFoundError):
        await store.delete_thread("thr_help", context=ctx)
    async with session_scope(app_resources(app).session_factory) as session:
        assert await ConversationRepository(session, alice.id).get_thread("thr_help") is not None


async def test_attachments_are_refused(app: FastAPI, alice: UserHandle, store: ConversationStore) -> None:
    ctx = context_for(app, alice)
    attachment = FileAttachment(id="atc_1", name="notes.txt", mime_type="text/plain")
    with pytest.raises(ValueError, match="not supported"):
        await store.save_attachment(attachment, context=ctx)
    with pytest.raises(NotFoundError):
        await store.load_attachment("atc_1", context=ctx)
    with pytest.raises(NotFoundError):
        await store.delete_attachment("atc_1", context=ctx)


def test_generated_ids_are_long_and_prefixed(store: ConversationStore) -> None:
    meta = ThreadMetadata(id="thr_x", created_at=BASE)
    ctx = None
    thread_ids = {store.generate_thread_id(ctx) for _ in range(1000)}  # type: ignore[arg-type]
    item_ids = {store.generate_item_id("message", meta, ctx) for _ in range(1000)}  # type: ignore[arg-type]
    assert len(thread_ids) == 1000 and len(item_ids) == 1000
    assert all(value.startswith("thr_") and len(value) == 36 for value in thread_ids)
    assert all(value.startswith("msg_") for value in item_ids)
    assert store.generate_item_id("task", meta, ctx).startswith("tsk_")  # type: ignore[arg-type]

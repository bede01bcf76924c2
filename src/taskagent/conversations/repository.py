"""The only code that queries threads and their items. Every statement is scoped to one owner, here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from taskagent.conversations.models import Thread, ThreadItem
from taskagent.db import utcnow

Order = Literal["asc", "desc"]
T = TypeVar("T")


@dataclass(frozen=True)
class Slice(Generic[T]):
    rows: Sequence[T]
    has_more: bool


class ConversationRepository:
    def __init__(self, session: AsyncSession, owner_id: int) -> None:
        self.session = session
        self.owner_id = owner_id

    # Threads -------------------------------------------------------------------------------------------

    async def get_thread(self, thread_id: str, *, lock: bool = False) -> Thread | None:
        """The thread; with `lock`, writers of this thread are serialised until the transaction ends (the
        next item position is read, then written)."""
        statement = select(Thread).where(Thread.owner_id == self.owner_id, Thread.id == thread_id)
        if lock and self.session.get_bind().dialect.name == "sqlite":
            # SQLite has no row locks, and its driver starts a transaction only at the first write: make
            # that write now (one that changes nothing), so the database's write lock is taken before the
            # reads that follow, and a concurrent writer waits (busy_timeout) instead of reusing a position.
            await self.session.execute(
                update(Thread)
                .where(Thread.owner_id == self.owner_id, Thread.id == thread_id)
                .values(updated_at=Thread.updated_at)
            )
        elif lock:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def task_thread(self, task_id: int) -> Thread | None:
        statement = select(Thread).where(Thread.owner_id == self.owner_id, Thread.task_id == task_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def add_thread(self, thread: Thread) -> Thread:
        thread.owner_id = self.owner_id
        self.session.add(thread)
        await self.session.flush()
        return thread

    async def chat_thread(self, thread_id: str, *, lock: bool = False) -> Thread | None:
        """A chat thread (not a task's help thread) of this owner."""
        thread = await self.get_thread(thread_id, lock=lock)
        return thread if thread is not None and thread.task_id is None else None

    async def delete_thread(self, thread_id: str, *, chat_only: bool = False) -> bool:
        """Delete a thread and (by cascade) its items; False when this owner has no such thread."""
        statement = delete(Thread).where(Thread.owner_id == self.owner_id, Thread.id == thread_id)
        if chat_only:
            statement = statement.where(Thread.task_id.is_(None))
        result = await self.session.execute(statement)
        return bool(getattr(result, "rowcount", 0))

    async def update_summary(self, thread: Thread, summary: str, through_seq: int) -> None:
        """Store the rolling summary of the items up to `through_seq` (never moves backwards)."""
        assert thread.owner_id == self.owner_id
        await self.session.execute(
            update(Thread)
            .where(
                Thread.owner_id == self.owner_id,
                Thread.id == thread.id,
                Thread.summary_through_seq < through_seq,
            )
            .values(summary=summary, summary_through_seq=through_seq)
        )
        thread.summary = summary
        thread.summary_through_seq = through_seq

    async def list_threads(
        self, *, limit: int, after: str | None, order: Order, task_threads: bool = False
    ) -> Slice[Thread]:
        """Chat threads (or, with task_threads, help threads), newest or oldest first, after a thread id."""
        statement = select(Thread).where(Thread.owner_id == self.owner_id)
        statement = statement.where(Thread.task_id.is_not(None) if task_threads else Thread.task_id.is_(None))
        position = tuple_(Thread.created_at, Thread.id)
        if after is not None:
            anchor = await self.get_thread(after)
            if anchor is not None:
                bound = tuple_(anchor.created_at, anchor.id)
                statement = statement.where(position < bound if order == "desc" else position > bound)
        ordering = (
            (Thread.created_at.desc(), Thread.id.desc())
            if order == "desc"
            else (Thread.created_at.asc(), Thread.id.asc())
        )
        rows = (await self.session.execute(statement.order_by(*ordering).limit(limit + 1))).scalars().all()
        return Slice(rows=rows[:limit], has_more=len(rows) > limit)

    # Items ---------------------------------------------------------------------------------------------

    async def get_item(self, thread_id: str, item_id: str) -> ThreadItem | None:
        statement = select(ThreadItem).where(
            ThreadItem.owner_id == self.owner_id,
            ThreadItem.thread_id == thread_id,
            ThreadItem.id == item_id,
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def add_item(
        self,
        thread: Thread,
        *,
        item_id: str,
        type: str,
        data: dict[str, Any],
        created_at: datetime | None = None,
    ) -> ThreadItem:
        """Append an item at the end of the thread."""
        assert thread.owner_id == self.owner_id
        last = await self.session.execute(
            select(func.max(ThreadItem.seq)).where(ThreadItem.thread_id == thread.id)
        )
        item = ThreadItem(
            id=item_id,
            thread_id=thread.id,
            owner_id=self.owner_id,
            seq=(last.scalar_one_or_none() or 0) + 1,
            type=type,
            data=data,
            created_at=created_at or utcnow(),
        )
        self.session.add(item)
        thread.updated_at = utcnow()
        await self.session.flush()
        return item

    async def replace_item(self, thread_id: str, item_id: str, *, type: str, data: dict[str, Any]) -> bool:
        """Overwrite an existing item's content in place (its position is kept); False when absent."""
        result = await self.session.execute(
            update(ThreadItem)
            .where(
                ThreadItem.owner_id == self.owner_id,
                ThreadItem.thread_id == thread_id,
                ThreadItem.id == item_id,
            )
            .values(type=type, data=data)
        )
        return bool(getattr(result, "rowcount", 0))

    async def delete_item(self, thread_id: str, item_id: str) -> bool:
        result = await self.session.execute(
            delete(ThreadItem).where(
                ThreadItem.owner_id == self.owner_id,
                ThreadItem.thread_id == thread_id,
                ThreadItem.id == item_id,
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def last_seq(self, thread_id: str) -> int:
        """The position of the thread's newest item (0 when empty)."""
        statement = select(func.max(ThreadItem.seq)).where(
            ThreadItem.owner_id == self.owner_id, ThreadItem.thread_id == thread_id
        )
        return (await self.session.execute(statement)).scalar_one_or_none() or 0

    async def list_items(
        self, thread_id: str, *, limit: int, after: str | None, order: Order
    ) -> Slice[ThreadItem]:
        """Items in thread order (or reversed), starting after the item `after`."""
        statement = select(ThreadItem).where(
            ThreadItem.owner_id == self.owner_id, ThreadItem.thread_id == thread_id
        )
        if after is not None:
            anchor = await self.get_item(thread_id, after)
            if anchor is not None:
                statement = statement.where(
                    ThreadItem.seq < anchor.seq if order == "desc" else ThreadItem.seq > anchor.seq
                )
        ordering = ThreadItem.seq.desc() if order == "desc" else ThreadItem.seq.asc()
        rows = (await self.session.execute(statement.order_by(ordering).limit(limit + 1))).scalars().all()
        return Slice(rows=rows[:limit], has_more=len(rows) > limit)

    async def recent_items(self, thread_id: str, limit: int) -> list[ThreadItem]:
        """The last `limit` items, in thread order: one indexed read whatever the thread's length."""
        statement = (
            select(ThreadItem)
            .where(ThreadItem.owner_id == self.owner_id, ThreadItem.thread_id == thread_id)
            .order_by(ThreadItem.seq.desc())
            .limit(limit)
        )
        rows = (await self.session.execute(statement)).scalars().all()
        return list(reversed(rows))

    async def items_between(
        self, thread_id: str, after_seq: int, up_to_seq: int, *, limit: int | None = None
    ) -> list[ThreadItem]:
        """Items with after_seq < seq <= up_to_seq, in order (folding older items into the summary);
        with `limit`, only the first `limit` of them."""
        statement = (
            select(ThreadItem)
            .where(
                ThreadItem.owner_id == self.owner_id,
                ThreadItem.thread_id == thread_id,
                ThreadItem.seq > after_seq,
                ThreadItem.seq <= up_to_seq,
            )
            .order_by(ThreadItem.seq.asc())
        )
        if limit is not None:
            statement = statement.limit(limit)
        return list((await self.session.execute(statement)).scalars().all())

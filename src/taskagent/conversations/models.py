"""Threads and their items: the one conversation store of the product.

A help thread (tied to a task) and a chat thread are the same rows. An item's `data` holds the JSON of a
ChatKit `ThreadItem`, so the ChatKit store reads and writes it as is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from taskagent.db import Base, UTCDateTime, utcnow


class Thread(Base):
    __tablename__ = "threads"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), default=None)
    title: Mapped[str | None] = mapped_column(String(200), default=None)
    # ChatKit thread status and metadata, kept as the SDK's JSON.
    status: Mapped[dict[str, Any]] = mapped_column(JSON, default=lambda: {"type": "active"})
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    # Rolling summary of the items older than `summary_through_seq` (context management).
    summary: Mapped[str | None] = mapped_column(Text, default=None)
    summary_through_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        Index("ix_threads_owner_created", "owner_id", "created_at", "id"),
        Index("uq_threads_owner_task", "owner_id", "task_id", unique=True),
    )


class ThreadItem(Base):
    __tablename__ = "thread_items"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    thread_id: Mapped[str] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Position in the thread: items are ordered by seq, which never changes once given.
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("uq_thread_items_thread_seq", "thread_id", "seq", unique=True),)

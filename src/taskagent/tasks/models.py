from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Double, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from taskagent.db import Base, UTCDateTime, utcnow
from taskagent.tasks.recurrence import RepeatFrom


class TaskStatus(enum.StrEnum):
    pending = "pending"
    in_progress = "in_progress"
    completed = "completed"


class TaskPriority(enum.StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


PRIORITY_RANK = {TaskPriority.low: 0, TaskPriority.normal: 1, TaskPriority.high: 2, TaskPriority.urgent: 3}


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[TaskStatus] = mapped_column(
        Enum(TaskStatus, native_enum=False, length=16, validate_strings=True), default=TaskStatus.pending
    )
    priority: Mapped[TaskPriority] = mapped_column(
        Enum(TaskPriority, native_enum=False, length=16, validate_strings=True), default=TaskPriority.normal
    )
    # Mirrors priority as a number so lists sort by urgency, not alphabetically.
    priority_rank: Mapped[int] = mapped_column(Integer, default=1)
    due_date: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), default=None)
    estimate_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    # The manual order (lower first). A float, so a task moves between two others by taking a value
    # between theirs: one row changes per move.
    position: Mapped[float] = mapped_column(Double, default=0.0, server_default="0")
    # An RFC 5545 RRULE without the RRULE: prefix (see recurrence.py); moves to the next occurrence when
    # the task is completed, so a completed task never repeats.
    recurrence: Mapped[str | None] = mapped_column(String(300), default=None)
    repeat_from: Mapped[RepeatFrom] = mapped_column(
        Enum(RepeatFrom, native_enum=False, length=16, validate_strings=True), default=RepeatFrom.due
    )
    # As given (`{"at": iso}` or `{"before_minutes": n}`); see reminders.py for the two columns after.
    reminders: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    # The delivery worker's: the first reminder time after `reminded_until` (null: nothing to send).
    next_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    reminded_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The ETag. SQLAlchemy bumps it on every UPDATE and adds `WHERE version = <the version read>` to
    # UPDATE and DELETE, so a write based on a stale read fails (StaleDataError) instead of winning.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    __table_args__ = (
        # One per sort order of `GET /tasks` (keyset pagination in (column, id) order). On PostgreSQL the
        # due-date orders (an expression: undated last) and the tag filter have indexes of their own
        # (migration 0013: ix_tasks_owner_due_up, ix_tasks_owner_due_down, ix_tasks_tags).
        Index("ix_tasks_owner_created", "owner_id", "created_at", "id"),
        Index("ix_tasks_owner_updated", "owner_id", "updated_at", "id"),
        Index("ix_tasks_owner_priority", "owner_id", "priority_rank", "id"),
        Index("ix_tasks_owner_title", "owner_id", "title", "id"),
        Index("ix_tasks_owner_position", "owner_id", "position", "id"),
        Index("ix_tasks_owner_due", "owner_id", "due_date"),
        Index("ix_tasks_owner_status", "owner_id", "status"),
        Index("ix_tasks_parent", "parent_id"),
        Index("ix_tasks_next_reminder", "next_reminder_at"),
        CheckConstraint("estimate_minutes IS NULL OR estimate_minutes >= 0", name="estimate_non_negative"),
    )
    __mapper_args__ = {"version_id_col": version}

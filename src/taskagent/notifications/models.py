from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Enum, ForeignKey, Index, Integer, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from taskagent.db import Base, UTCDateTime, utcnow


class EmailState(StrEnum):
    pending = "pending"  # to be sent (again) at `email_next_at`
    sent = "sent"
    failed = "failed"  # every attempt failed; `email_error` says why


class Notification(Base):
    """A reminder that came due, as the user's notification list shows it."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # No foreign key: a notification stays readable after its task is deleted (it names it by title).
    task_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))  # the task's title when it was sent
    due_date: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    remind_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when the reminder was due
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)  # when it was sent
    # Sent well after `remind_at`: no worker was running then (the server was down).
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The channels chosen when it was sent: shown in the page's list; sent by email (None: not by email).
    web: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    email_state: Mapped[EmailState | None] = mapped_column(
        Enum(EmailState, native_enum=False, length=16), default=None
    )
    email_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    email_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    email_error: Mapped[str | None] = mapped_column(String(300), default=None)

    __table_args__ = (
        Index("ix_notifications_owner", "owner_id", "id"),
        Index("ix_notifications_email_next", "email_next_at"),
        # A reminder time of a task is sent once, whatever races happen between workers.
        UniqueConstraint("task_id", "remind_at", name="uq_notifications_task_remind_at"),
    )

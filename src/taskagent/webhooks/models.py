from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from taskagent.db import Base, UTCDateTime, utcnow


class EventType(StrEnum):
    task_created = "task.created"
    task_updated = "task.updated"
    task_completed = "task.completed"
    task_deleted = "task.deleted"
    reminder_due = "reminder.due"


class DeliveryStatus(StrEnum):
    pending = "pending"
    succeeded = "succeeded"
    failed = "failed"


class Webhook(Base):
    """A URL a user registered for some events; its secret signs every delivery (Standard Webhooks)."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(100))  # `whsec_<base64>`: needed to sign, so kept as is
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("ix_webhooks_owner", "owner_id", "id"),)


class WebhookDelivery(Base):
    """One event for one webhook: written in the transaction of the change (the outbox), sent by the pass.

    `next_attempt_at` is when a worker may take it next (null once it succeeded or failed for good); a
    worker that claims it moves it forward by a lease before sending, so a crashed worker's claim is
    retried when the lease ends.
    """

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)  # the body exactly as sent (and signed), the same each retry
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.pending.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_response_status: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(String(300), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    __table_args__ = (
        Index("ix_webhook_deliveries_webhook", "webhook_id", "id"),  # a webhook's log, newest first
        Index("ix_webhook_deliveries_next_attempt", "next_attempt_at"),  # what the pass takes
    )

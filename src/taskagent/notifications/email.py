"""Reminders by email: notifications queued for email by `delivery.deliver_due` are sent here.

Each message is claimed with a lease (`background.lease_due`: its `email_next_at` moves one lease ahead)
committed before the SMTP conversation, so two workers never send the same message, and a worker that
dies mid-send leaves it to be tried again when the lease ends. A failure
is retried on a widening schedule, then marked failed with the reason.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from taskagent.auth.models import User
from taskagent.background import lease_due, retry_at
from taskagent.db import utcnow
from taskagent.notifications.models import EmailState, Notification
from taskagent.notifications.smtp import SmtpTarget

log = logging.getLogger(__name__)

# The waits after the first, second... failed attempt; after the last one the email is marked failed.
RETRY_AFTER = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
# How long a claimed message is left to its worker before another may try it (longer than a send takes).
LEASE = timedelta(minutes=2)
BATCH = 50


@dataclass(frozen=True)
class Reminder:
    """What an email says, read with the claim."""

    id: int
    email: str
    timezone: str
    title: str
    due_date: datetime | None
    remind_at: datetime
    late: bool
    attempts: int


def compose(reminder: Reminder) -> EmailMessage:
    zone = ZoneInfo(reminder.timezone)
    message = EmailMessage()
    message["To"] = reminder.email
    message["Subject"] = f"Reminder: {reminder.title}"
    lines = [f"Reminder: {reminder.title}"]
    if reminder.due_date is not None:
        lines.append(f"Due {reminder.due_date.astimezone(zone):%a %d %b %Y, %H:%M} ({reminder.timezone}).")
    if reminder.late:
        at = reminder.remind_at.astimezone(zone)
        lines.append(
            f"This reminder was due at {at:%a %d %b, %H:%M} and is late: the server was not running."
        )
    lines.append("")
    lines.append("You get these emails because reminders by email are on for your TaskAgent account.")
    message.set_content("\n".join(lines))
    return message


async def send_emails(
    session_factory: async_sessionmaker[AsyncSession], target: SmtpTarget, now: datetime | None = None
) -> int:
    """One pass: send the queued reminder emails whose time has come; returns how many were sent."""
    now = now or utcnow()
    sent = 0
    for reminder in await _claim(session_factory, now):
        error: str | None = None
        try:
            await asyncio.to_thread(target.send, compose(reminder))
        except (smtplib.SMTPException, OSError) as failure:
            error = f"{type(failure).__name__}: {failure}"[:300]
            log.warning("reminder email %s failed: %s", reminder.id, error)
        sent += error is None
        await _settle(session_factory, reminder, error, now)
    return sent


async def _claim(session_factory: async_sessionmaker[AsyncSession], now: datetime) -> list[Reminder]:
    due = (
        select(
            Notification.id,
            Notification.title,
            Notification.due_date,
            Notification.remind_at,
            Notification.late,
            Notification.email_attempts,
            Notification.email_next_at,
            User.email,
            User.timezone,
        )
        .join(User, User.id == Notification.owner_id)
        .where(Notification.email_next_at <= now, Notification.email_state == EmailState.pending)
        .order_by(Notification.email_next_at)
        .limit(BATCH)
    )
    still_due = (Notification.email_state == EmailState.pending,)
    async with session_factory() as session:
        rows = await lease_due(session, due, Notification, still_due, Notification.email_next_at, now + LEASE)
        await session.commit()  # the claims hold before any message leaves
    return [
        Reminder(
            id=row.id,
            email=row.email,
            timezone=row.timezone,
            title=row.title,
            due_date=row.due_date,
            remind_at=row.remind_at,
            late=row.late,
            attempts=row.email_attempts,
        )
        for row in rows
    ]


async def _settle(
    session_factory: async_sessionmaker[AsyncSession], reminder: Reminder, error: str | None, now: datetime
) -> None:
    attempts = reminder.attempts + 1
    retry = None if error is None else retry_at(RETRY_AFTER, attempts, now)
    if error is None:
        values: dict[str, object] = {
            "email_state": EmailState.sent,
            "email_next_at": None,
            "email_error": None,
        }
    elif retry is None:
        values = {"email_state": EmailState.failed, "email_next_at": None, "email_error": error}
    else:
        values = {"email_next_at": retry, "email_error": error}
    async with session_factory() as session:
        await session.execute(
            update(Notification)
            .where(Notification.id == reminder.id)
            .values(email_attempts=attempts, **values)
            .execution_options(synchronize_session=False)
        )
        await session.commit()

"""Sending reminders that come due: a loop in every serving process, safe with any number of them.

Each pass reads the tasks whose `next_reminder_at` has come (an indexed column) and claims each with one
compare-and-set UPDATE: `reminded_until` and `next_reminder_at` move on only if they still hold what was
read. Two workers (or two hosts on one PostgreSQL) that read the same task both try; the database lets one
UPDATE match, and only that one writes the notifications, in the same transaction. So a reminder is sent
once, however many workers race, and one whose time passed while no worker ran is sent by the first pass
after start-up, marked late. The notification table's unique (task, time) is a second guard.

This needs nothing the deployment does not have: the same database, on SQLite in the one serving process,
on PostgreSQL shared by every worker of every host.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from taskagent.auth.models import User
from taskagent.background import PollingWorker
from taskagent.db import utcnow
from taskagent.notifications.email import send_emails
from taskagent.notifications.models import EmailState, Notification
from taskagent.notifications.smtp import SmtpTarget
from taskagent.tasks.models import Task
from taskagent.tasks.reminders import came_due, next_after
from taskagent.webhooks.models import EventType
from taskagent.webhooks.outbox import REMINDER_FIELDS, enqueue

log = logging.getLogger(__name__)

# A reminder sent more than this after its time is marked late (the server was not running then).
LATE_AFTER = timedelta(minutes=2)
BATCH = 200


@dataclass(frozen=True)
class Pass:
    sent: int  # notifications written by this pass
    backlog: int  # tasks with a reminder due and not yet sent, after this pass


async def deliver_due(
    session_factory: async_sessionmaker[AsyncSession], now: datetime | None = None, *, email: bool = False
) -> Pass:
    """One pass: send what has come due by `now`, to each owner's channels (`email`: the server can send
    email, so owners who asked for it get one, queued here and sent by `email.send_emails`)."""
    now = now or utcnow()
    sent = 0
    async with session_factory() as session:
        due = (
            await session.execute(
                select(
                    Task.id,
                    Task.owner_id,
                    Task.title,
                    Task.due_date,
                    Task.reminders,
                    Task.reminded_until,
                    Task.next_reminder_at,
                    User.notify_web,
                    User.notify_email,
                )
                .join(User, User.id == Task.owner_id)
                .where(Task.next_reminder_at <= now)
                .order_by(Task.next_reminder_at)
                .limit(BATCH)
            )
        ).all()
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        for task in due:
            claimed = await session.execute(
                update(Task)
                .where(
                    Task.id == task.id,
                    Task.next_reminder_at == task.next_reminder_at,
                    Task.reminded_until.is_not_distinct_from(task.reminded_until),
                )
                .values(reminded_until=now, next_reminder_at=next_after(task.reminders, task.due_date, now))
                .execution_options(synchronize_session=False)
            )
            if getattr(claimed, "rowcount", 0) != 1:
                continue  # another worker sent these, or the user changed the task meanwhile
            for moment in came_due(task.reminders, task.due_date, task.reminded_until, now):
                notification: dict[str, object] = {
                    "owner_id": task.owner_id,
                    "task_id": task.id,
                    "title": task.title,
                    "due_date": task.due_date,
                    "remind_at": moment,
                    "created_at": now,
                    "late": now - moment > LATE_AFTER,
                    "web": task.notify_web,
                }
                if email and task.notify_email:
                    notification |= {"email_state": EmailState.pending, "email_next_at": now}
                written = await session.execute(
                    insert(Notification).values(notification).on_conflict_do_nothing()
                )
                if getattr(written, "rowcount", 0) == 1:
                    sent += 1
                    data = {key: notification[key] for key in REMINDER_FIELDS}
                    await enqueue(session, task.owner_id, EventType.reminder_due, data, now=now)
        backlog = (
            await session.execute(select(func.count()).where(Task.next_reminder_at <= now))
        ).scalar_one()
        await session.commit()
    return Pass(sent=sent, backlog=int(backlog))


class ReminderWorker(PollingWorker):
    """Runs `deliver_due`, then (with an SMTP server) `send_emails`, in the background loop
    (taskagent.background)."""

    name = "reminders"

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        poll_seconds: float,
        smtp: SmtpTarget | None = None,
    ) -> None:
        super().__init__(poll_seconds)
        self.session_factory = session_factory
        self.smtp = smtp

    async def run_pass(self, now: datetime | None = None) -> int:
        backlog = (await deliver_due(self.session_factory, now, email=self.smtp is not None)).backlog
        if self.smtp is not None:
            await send_emails(self.session_factory, self.smtp, now)
        return backlog

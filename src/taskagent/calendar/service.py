"""The calendar feed: a secret URL per user serving their dated tasks as iCalendar (RFC 5545).

Each dated task is an event at its due time, as long as its estimate (30 minutes without one), so that
Google Calendar, Apple Calendar and Thunderbird show it where it falls; a completed task keeps its place
with "✓ " before its title. A task that repeats from its due date carries its rule (RRULE) with the
start in the user's time zone, so the calendar shows the coming occurrences where the service will make
them, across daylight-saving changes; completing it ends that event's rule (the next occurrence is a task
of its own, which carries the rule on). A task that repeats from completion has no dates to show ahead.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from taskagent import __version__
from taskagent.calendar.models import CalendarFeed
from taskagent.db import utcnow
from taskagent.tasks.models import Task, TaskPriority, TaskStatus
from taskagent.tasks.recurrence import RepeatFrom, RuleError, calendar_rule, parse_rule
from taskagent.tasks.schemas import EARLIEST_DUE, TaskFilters
from taskagent.tasks.service import TaskService

DEFAULT_DURATION = timedelta(minutes=30)
MAX_EVENTS = 10_000
_SECRET = re.compile(r"^[A-Za-z0-9_-]{43}$")
# RFC 5545 PRIORITY: 1 highest, 9 lowest.
_PRIORITY = {TaskPriority.urgent: 1, TaskPriority.high: 3, TaskPriority.normal: 5, TaskPriority.low: 9}


class CalendarService:
    def __init__(self, session: AsyncSession, user_id: int) -> None:
        self.session, self.user_id = session, user_id

    async def secret(self) -> str:
        """The feed's secret, made on first use."""
        feed = await self.session.get(CalendarFeed, self.user_id)
        if feed is None:
            feed = CalendarFeed(owner_id=self.user_id, secret=secrets.token_urlsafe(32), created_at=utcnow())
            self.session.add(feed)
            await self.session.flush()
        return feed.secret

    async def rotate(self) -> str:
        """A new secret; the old URL stops working."""
        feed = await self.session.get(CalendarFeed, self.user_id)
        if feed is None:
            return await self.secret()
        feed.secret = secrets.token_urlsafe(32)
        feed.created_at = utcnow()
        await self.session.flush()
        return feed.secret


async def feed_owner(session: AsyncSession, secret: str) -> int | None:
    if not _SECRET.match(secret):
        return None
    statement = select(CalendarFeed.owner_id).where(CalendarFeed.secret == secret)
    return (await session.execute(statement)).scalar_one_or_none()


async def feed_ics(session: AsyncSession, user_id: int) -> bytes:
    dated = TaskFilters(due_after=EARLIEST_DUE - timedelta(microseconds=1))
    service = TaskService(session, user_id)
    tasks = await service.search(dated, limit=MAX_EVENTS)
    zone = await service.zone()
    calendar = Calendar()
    calendar.add("prodid", f"-//TaskAgent//TaskAgent {__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "TaskAgent")
    for task in tasks:
        calendar.add_component(_event(task, zone))
    calendar.add_missing_timezones()  # a VTIMEZONE for the user's zone when a rule needs it
    ics: bytes = calendar.to_ical()
    return ics


def _event(task: Task, zone: ZoneInfo) -> Event:
    assert task.due_date is not None
    event = Event()
    event.add("uid", f"task-{task.id}@taskagent")
    event.add("dtstamp", task.updated_at)
    event.add("last-modified", task.updated_at)
    event.add("created", task.created_at)
    event.add("sequence", task.version)
    done = task.status == TaskStatus.completed
    event.add("summary", ("✓ " if done else "") + task.title)
    if task.description:
        event.add("description", task.description)
    rule = _repeating_rule(task, zone)
    if rule is None:
        event.add("dtstart", task.due_date)
    else:
        event.add("dtstart", task.due_date.astimezone(zone))
        event.add("rrule", vRecur.from_ical(rule))
    minutes = task.estimate_minutes
    event.add("duration", timedelta(minutes=minutes) if minutes else DEFAULT_DURATION)
    event.add("priority", _PRIORITY[TaskPriority(task.priority)])
    if task.tags:
        event.add("categories", list(task.tags))
    return event


def _repeating_rule(task: Task, zone: ZoneInfo) -> str | None:
    if task.recurrence is None or task.repeat_from != RepeatFrom.due or task.status == TaskStatus.completed:
        return None
    try:
        return calendar_rule(parse_rule(task.recurrence), zone)
    except RuleError:  # checked when set; one that cannot be read now still shows its one event
        return None

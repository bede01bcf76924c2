"""Reminders on a task: `{"at": <timestamp>}` or `{"before_minutes": N}` (before its due date).

A task keeps its reminders as given (JSON) and, for the delivery worker, `next_reminder_at`: the first
reminder time after `reminded_until`, the moment up to which its reminders count as dealt with. Setting
reminders or moving the due date starts that moment afresh at "now", so a reminder whose time has already
passed when it is set is not sent; one that comes due while no worker runs (the server was down) is sent
when a worker is back, marked late. A completed task has no next reminder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

MAX_REMINDERS = 10
MAX_BEFORE_MINUTES = 366 * 24 * 60  # a year ahead is as early as a reminder makes sense


NEEDS_DUE_DATE = 'a reminder with before_minutes needs a due date (or use {"at": <timestamp>})'


def needs_due_date(reminders: Iterable[Mapping[str, Any]], due: datetime | None) -> bool:
    """Whether a reminder is relative to a due date the task does not have."""
    return due is None and any("before_minutes" in reminder for reminder in reminders)


def delivery_columns(
    reminders: Iterable[Mapping[str, Any]], due: datetime | None, *, done: bool, now: datetime
) -> dict[str, datetime | None]:
    """The worker's columns after the reminders, due date or status changed (or the task was made):
    reminders count as dealt with up to `now` (a time already past is not sent), and the next is the first
    after it (none for a completed task)."""
    return {"reminded_until": now, "next_reminder_at": None if done else next_after(reminders, due, now)}


def fire_time(reminder: Mapping[str, Any], due: datetime | None) -> datetime | None:
    """When the reminder comes due (UTC), or None for a relative one on a task without a due date."""
    if "at" in reminder:
        at = reminder["at"]
        return at if isinstance(at, datetime) else datetime.fromisoformat(at)
    if due is None:
        return None
    return due - timedelta(minutes=int(reminder["before_minutes"]))


def fire_times(reminders: Iterable[Mapping[str, Any]], due: datetime | None) -> list[datetime]:
    return sorted(moment for reminder in reminders if (moment := fire_time(reminder, due)) is not None)


def next_after(
    reminders: Iterable[Mapping[str, Any]], due: datetime | None, moment: datetime
) -> datetime | None:
    """The first reminder time after `moment`."""
    return next((each for each in fire_times(reminders, due) if each > moment), None)


def came_due(
    reminders: Iterable[Mapping[str, Any]], due: datetime | None, since: datetime | None, now: datetime
) -> list[datetime]:
    """The reminder times after `since` (None: any) and up to `now`: what a delivery pass sends."""
    return [
        moment for moment in fire_times(reminders, due) if (since is None or moment > since) and moment <= now
    ]


def shifted(reminders: Iterable[Mapping[str, Any]], by: timedelta | None) -> list[dict[str, Any]]:
    """The reminders of a repeating task's next occurrence: relative ones follow its due date by
    themselves; one at a fixed time moves with the due date (dropped when there is no due date to move by)."""
    moved: list[dict[str, Any]] = []
    for reminder in reminders:
        if "at" not in reminder:
            moved.append(dict(reminder))
        elif by is not None:
            at = fire_time(reminder, None)
            assert at is not None
            moved.append({"at": (at + by).isoformat()})
    return moved

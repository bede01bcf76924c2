"""Issue 15's repetition phrasings, read the same by the chat (offline engine, POST /chatkit) and by quick
add (POST /tasks/parse): the rule, its mode, the first due date (the rule's first day still to come, at the
time said), a title without the repetition's words, and the chat's answer saying the rule back in words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.chat.conftest import ChatClient
from tests.conftest import UserFactory, UserHandle

ZONE = "Europe/Berlin"
EVENING = time(23, 59)


def _weekday(*days: int) -> Callable[[date], bool]:
    return lambda day: day.weekday() in days


def _last_of_month(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1


@dataclass(frozen=True)
class Phrasing:
    text: str  # after "Add a task to " in the chat; as typed in quick add
    title: str
    rule: str
    day: Callable[[date], bool]  # the days the first due date may fall on
    words: str  # the rule in the chat's answer
    at: time = EVENING
    repeat_from: str = "due"


PHRASINGS = [
    Phrasing(
        "pay the bills every Friday", "pay the bills", "FREQ=WEEKLY;BYDAY=FR", _weekday(4), "every friday"
    ),
    Phrasing(
        "check the mailbox every weekday",
        "check the mailbox",
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        _weekday(0, 1, 2, 3, 4),
        "every weekday",
    ),
    Phrasing(
        "clean the house every other week",
        "clean the house",
        "FREQ=WEEKLY;INTERVAL=2",
        lambda d: True,
        "every other week",
    ),
    Phrasing(
        "sync with Ana every 2 weeks on Tuesday",
        "sync with ana",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
        _weekday(1),
        "every other week on tuesday",
    ),
    Phrasing(
        "go to book club every 3rd Friday",
        "go to book club",
        "FREQ=MONTHLY;BYDAY=+3FR",
        lambda d: d.weekday() == 4 and 15 <= d.day <= 21,
        "every month on the third friday",
    ),
    Phrasing(
        "invoice clients on the last day of every month",
        "invoice clients",
        "FREQ=MONTHLY;BYMONTHDAY=-1",
        _last_of_month,
        "on the last day of every month",
    ),
    Phrasing(
        "water the ficus every month on the 15th",
        "water the ficus",
        "FREQ=MONTHLY;BYMONTHDAY=15",
        lambda d: d.day == 15,
        "every month on the 15th",
    ),
    Phrasing(
        "call grandma every year on March 3",
        "call grandma",
        "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3",
        lambda d: (d.month, d.day) == (3, 3),
        "every year on 3 march",
    ),
    Phrasing(
        "take vitamins daily at 7am",
        "take vitamins",
        "FREQ=DAILY",
        lambda d: True,
        "every day at 07:00",
        at=time(7, 0),
    ),
    Phrasing(
        "water the plants every 3 days after I do it",
        "water the plants",
        "FREQ=DAILY;INTERVAL=3",
        lambda d: True,
        "every 3 days after each completion",
        repeat_from="completion",
    ),
    Phrasing(
        "standup every weekday at 9:30",
        "standup",
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        _weekday(0, 1, 2, 3, 4),
        "every weekday at 09:30",
        at=time(9, 30),
    ),
    Phrasing(
        "pay rent every month on the 1st",
        "pay rent",
        "FREQ=MONTHLY;BYMONTHDAY=1",
        lambda d: d.day == 1,
        "every month on the 1st",
    ),
]
IDS = [phrasing.text for phrasing in PHRASINGS]


def first_due(phrasing: Phrasing, zone: ZoneInfo) -> datetime:
    """The first day on or after today the phrasing allows, at its time, still to come."""
    now = datetime.now(zone)
    day = now.date()
    while True:
        moment = datetime.combine(day, phrasing.at, tzinfo=zone)
        if phrasing.day(day) and moment > now:
            return moment.astimezone(UTC)
        day += timedelta(days=1)


def check(task: dict[str, Any], phrasing: Phrasing, zone: ZoneInfo) -> None:
    assert (task["title"] or "").lower() == phrasing.title, task
    assert task["recurrence"] == phrasing.rule, task
    assert task["repeat_from"] == phrasing.repeat_from, task
    due = datetime.fromisoformat(task["due_date"].replace("Z", "+00:00"))
    assert due == first_due(phrasing, zone), task


@pytest.fixture
async def user(make_user: UserFactory) -> UserHandle:
    return await make_user(timezone=ZONE)


@pytest.mark.parametrize("phrasing", PHRASINGS, ids=IDS)
async def test_quick_add_reads_the_repetition(
    phrasing: Phrasing, client: httpx.AsyncClient, user: UserHandle
) -> None:
    response = await client.post("/tasks/parse", json={"text": phrasing.text}, headers=user.headers)
    assert response.status_code == 200, response.text
    check(response.json(), phrasing, ZoneInfo(ZONE))


@pytest.mark.parametrize("phrasing", PHRASINGS, ids=IDS)
async def test_the_chat_reads_the_repetition_and_says_it_back(
    phrasing: Phrasing, client: httpx.AsyncClient, user: UserHandle
) -> None:
    turn = await ChatClient(client, user).create(f"Add a task to {phrasing.text}")
    assert not turn.errors, turn.errors
    listed = await client.get("/tasks", headers=user.headers)
    [task] = listed.json()
    check(task, phrasing, ZoneInfo(ZONE))
    due = first_due(phrasing, ZoneInfo(ZONE)).astimezone(ZoneInfo(ZONE))
    reply = turn.reply.lower()
    assert f"repeats {phrasing.words}, next on {due:%a} {due.day} {due:%b}".lower() in reply, turn.reply


async def test_a_reminder_before_an_existing_tasks_due_date(
    client: httpx.AsyncClient, user: UserHandle
) -> None:
    """ "remind me about the rent task the day before at 9" adds a reminder relative to its due date (so it
    moves with each occurrence): the minutes from 09:00 the day before to the due time."""
    zone = ZoneInfo(ZONE)
    due = datetime.combine(datetime.now(zone).date() + timedelta(days=5), time(23, 59), tzinfo=zone)
    made = await client.post(
        "/tasks",
        json={"title": "Pay rent", "due_date": due.isoformat(), "recurrence": "FREQ=MONTHLY"},
        headers=user.headers,
    )
    assert made.status_code == 201, made.text
    turn = await ChatClient(client, user).create("remind me about the rent task the day before at 9")
    assert not turn.errors, turn.errors
    task = (await client.get(f"/tasks/{made.json()['id']}", headers=user.headers)).json()
    day_before = datetime.combine(due.date() - timedelta(days=1), time(9), tzinfo=zone)
    minutes = (due.astimezone(UTC) - day_before.astimezone(UTC)).total_seconds() / 60
    assert task["reminders"] == [{"before_minutes": round(minutes)}]
    assert "remind you the day before at 09:00 each time" in turn.reply, turn.reply


async def test_a_new_task_with_a_reminder_before_it(client: httpx.AsyncClient, user: UserHandle) -> None:
    turn = await ChatClient(client, user).create(
        "Add a task to see the dentist on Friday at 3pm, remind me 30 minutes before"
    )
    assert not turn.errors, turn.errors
    [task] = (await client.get("/tasks", headers=user.headers)).json()
    assert (task["title"], task["reminders"]) == ("See the dentist", [{"before_minutes": 30}])
    assert "remind you 30 minutes before" in turn.reply, turn.reply


async def test_deleting_a_repeating_task_says_the_series_goes(
    client: httpx.AsyncClient, user: UserHandle
) -> None:
    """The API deletes the task, which is its whole series (later occurrences exist only once one is
    completed); the answer says so and how to skip one occurrence instead (complete it)."""
    me = ChatClient(client, user)
    created = await me.create("Add a task to pay rent every month on the 1st")
    assert not created.errors, created.errors
    turn = await me.create("delete the rent task")
    assert not turn.errors, turn.errors
    assert (await client.get("/tasks", headers=user.headers)).json() == []
    assert "and its repetition (every month on the 1st)" in turn.reply, turn.reply
    assert "mark it done: the next one is made" in turn.reply, turn.reply

""" "Remind me to ..." in the chat (offline engine, through POST /chatkit): the task and its reminder."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.chat.conftest import ChatClient
from tests.conftest import UserFactory

pytestmark = pytest.mark.usefixtures("backend")


async def only_task(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    [task] = (await client.get("/tasks", headers=headers)).json()
    assert isinstance(task, dict)
    return task


async def test_remind_me_at_a_time_makes_the_task_and_a_reminder_at_that_time(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = await make_user(timezone="Europe/Berlin")
    turn = await ChatClient(client, user).create("remind me to call mom at 5pm tomorrow")
    assert "I'll remind you at the due time" in turn.reply, turn.reply
    task = await only_task(client, user.headers)
    assert task["title"] == "Call mom"
    due = datetime.fromisoformat(str(task["due_date"])).astimezone(ZoneInfo("Europe/Berlin"))
    assert (due.hour, due.minute) == (17, 0)
    assert due.date() == (datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(days=1)).date()
    assert task["reminders"] == [{"before_minutes": 0}]


async def test_remind_me_on_a_day_reminds_that_morning(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = await make_user(timezone="America/New_York")
    turn = await ChatClient(client, user).create("please remind me to pay the rent tomorrow")
    assert "that morning at 9:00" in turn.reply, turn.reply
    task = await only_task(client, user.headers)
    [reminder] = task["reminders"]
    at = datetime.fromisoformat(reminder["at"]).astimezone(ZoneInfo("America/New_York"))
    assert (at.hour, at.minute) == (9, 0)
    due = datetime.fromisoformat(str(task["due_date"])).astimezone(ZoneInfo("America/New_York"))
    assert at.date() == due.date()


async def test_remind_me_without_a_time_says_there_is_no_reminder(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = await make_user()
    turn = await ChatClient(client, user).create("remind me to buy stamps")
    assert "no reminder" in turn.reply, turn.reply
    task = await only_task(client, user.headers)
    assert task["title"] == "Buy stamps" and task["reminders"] == []


async def test_add_a_task_with_a_time_sets_no_reminder(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    user = await make_user()
    await ChatClient(client, user).create("add a task to call the bank at 3pm tomorrow")
    assert (await only_task(client, user.headers))["reminders"] == []

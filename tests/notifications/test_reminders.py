"""Reminders on tasks, through the API, and the notifications a delivery pass sends for them.

A pass (`deliver_due`) is run here with the time it takes as "now", so the tests need not wait for the
clock; tests/notifications/test_workers.py runs the real loop in `taskagent serve` processes.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from taskagent.notifications.delivery import Pass, deliver_due
from taskagent.resources import app_resources
from tests.access_tokens.conftest import new_token
from tests.conftest import UserHandle
from tests.tasks.conftest import create, fetch

pytestmark = pytest.mark.usefixtures("backend")


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def soon(**delta: float) -> datetime:
    """A time from now, to the second (as clients send them)."""
    return (datetime.now(UTC) + timedelta(**delta)).replace(microsecond=0)


async def deliver(app: FastAPI, at: datetime) -> Pass:
    return await deliver_due(app_resources(app).session_factory, at)


async def notifications(client: httpx.AsyncClient, user: UserHandle, query: str = "") -> dict[str, Any]:
    response = await client.get(f"/notifications{query}", headers=user.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def patch(client: httpx.AsyncClient, user: UserHandle, task_id: int, **fields: Any) -> httpx.Response:
    return await client.patch(f"/tasks/{task_id}", json=fields, headers=user.headers)


# --- the field ---------------------------------------------------------------------------------------


async def test_reminders_are_kept_as_given_and_read_back(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    due = soon(days=2)
    task = await create(
        client,
        alice,
        title="Call mom",
        due_date=iso(due),
        reminders=[{"at": "2030-01-02T09:00:00+01:00"}, {"before_minutes": 30}, {"before_minutes": 30}],
    )
    # The time is given back in UTC; a reminder given twice is kept once.
    assert task["reminders"] == [{"at": "2030-01-02T08:00:00Z"}, {"before_minutes": 30}]
    assert (await fetch(client, alice, task["id"])).json()["reminders"] == task["reminders"]
    assert (await create(client, alice))["reminders"] == []

    cleared = await patch(client, alice, task["id"], reminders=[])
    assert cleared.status_code == 200 and cleared.json()["reminders"] == []
    history = (await client.get(f"/tasks/{task['id']}/history", headers=alice.headers)).json()
    assert history[-1]["changes"] == {"reminders": {"from": task["reminders"], "to": []}}


@pytest.mark.parametrize(
    ("reminders", "field"),
    [
        ([{"before_minutes": 30}], ["body", "reminders"]),  # no due date to be before
        ([{"at": "2030-01-02T09:00:00"}], None),  # no offset
        ([{"at": "2030-01-02T09:00:00Z", "before_minutes": 5}], None),  # one or the other
        ([{"before_minutes": -1}], None),
        ([{"before_minutes": 527_041}], None),  # more than a year
        ([{"before_minutes": True}], None),
        ([{"before_minutes": "30"}], None),
        ([{"in": 5}], None),
        ([{"at": 1893456000}], None),
        ([{"before_minutes": n} for n in range(11)], None),  # more than 10
        ("soon", None),
    ],
)
async def test_bad_reminders_are_a_422_and_create_nothing(
    client: httpx.AsyncClient, alice: UserHandle, reminders: object, field: list[str] | None
) -> None:
    response = await client.post("/tasks", json={"title": "X", "reminders": reminders}, headers=alice.headers)
    assert response.status_code == 422, response.text
    if field is not None:
        assert [issue["loc"] for issue in response.json()["detail"]] == [field]
    assert (await client.get("/tasks", headers=alice.headers)).json() == []


async def test_an_update_may_not_leave_a_relative_reminder_without_its_due_date(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create(client, alice, due_date=iso(soon(days=1)), reminders=[{"before_minutes": 15}])
    refused = await patch(client, alice, task["id"], due_date=None)
    assert refused.status_code == 422
    assert [issue["loc"] for issue in refused.json()["detail"]] == [["body", "due_date"]]
    bare = await create(client, alice)
    refused = await patch(client, alice, bare["id"], reminders=[{"before_minutes": 15}])
    assert [issue["loc"] for issue in refused.json()["detail"]] == [["body", "reminders"]]
    assert (await patch(client, alice, task["id"], reminders=None)).status_code == 422  # [] clears
    assert (await fetch(client, alice, task["id"])).json()["reminders"] == [{"before_minutes": 15}]
    assert (await fetch(client, alice, bare["id"])).json()["reminders"] == []


# --- delivery ----------------------------------------------------------------------------------------


async def test_each_reminder_is_sent_once_when_its_time_comes(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    due, at = soon(hours=3), soon(hours=1)
    task = await create(
        client,
        alice,
        title="Renew passport",
        due_date=iso(due),
        reminders=[{"at": iso(at)}, {"before_minutes": 30}],
    )
    assert (await deliver(app, at - timedelta(seconds=1))).sent == 0  # nothing yet
    assert await deliver(app, at) == Pass(sent=1, backlog=0)
    assert (await deliver(app, at + timedelta(minutes=1))).sent == 0  # never twice

    listed = await notifications(client, alice)
    assert listed["unread"] == 1
    [note] = listed["notifications"]
    assert note["task_id"] == task["id"] and note["title"] == "Renew passport"
    assert note["remind_at"] == iso(at)
    assert note["due_date"] == iso(due) and note["late"] is False and note["read"] is False

    assert (await deliver(app, due - timedelta(minutes=29))).sent == 1  # the one 30 minutes before
    newest = (await notifications(client, alice))["notifications"]
    assert newest[0]["remind_at"] == iso(due - timedelta(minutes=30))
    assert (await deliver(app, due + timedelta(days=30))).sent == 0  # all sent: none left


async def test_a_reminder_sent_long_after_its_time_is_marked_late(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    await create(client, alice, reminders=[{"at": iso(soon(minutes=1))}])
    # The server was down from before the reminder's time until an hour later: the first pass sends it.
    assert (await deliver(app, soon(hours=1))).sent == 1
    assert (await notifications(client, alice))["notifications"][0]["late"] is True


async def test_a_time_already_past_when_set_is_not_sent(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    await create(client, alice, reminders=[{"at": iso(soon(hours=-1))}])
    assert (await deliver(app, soon(seconds=1))).sent == 0
    assert (await notifications(client, alice))["notifications"] == []


async def test_moving_the_due_date_moves_a_relative_reminder(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    due = soon(hours=2)
    task = await create(client, alice, due_date=iso(due), reminders=[{"before_minutes": 60}])
    assert (await patch(client, alice, task["id"], due_date=iso(due + timedelta(days=1)))).status_code == 200
    assert (await deliver(app, due - timedelta(minutes=59))).sent == 0  # the old time
    assert (await deliver(app, due + timedelta(days=1, minutes=-59))).sent == 1


async def test_a_completed_task_sends_nothing_until_reopened(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create(client, alice, reminders=[{"at": iso(soon(hours=1))}, {"at": iso(soon(hours=2))}])
    assert (await patch(client, alice, task["id"], status="completed")).status_code == 200
    assert (await deliver(app, soon(hours=1, minutes=1))).sent == 0
    assert (await patch(client, alice, task["id"], status="pending")).status_code == 200
    # Reopened now, both times are ahead again (a time that passed while it was completed would not be).
    assert (await deliver(app, soon(hours=2, minutes=1))).sent == 2


async def test_a_repeating_tasks_reminders_move_with_each_occurrence(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    due = soon(days=1)
    task = await create(
        client,
        alice,
        title="Standup",
        due_date=iso(due),
        recurrence="FREQ=DAILY",
        reminders=[{"at": iso(due - timedelta(hours=1))}, {"before_minutes": 10}],
    )
    done = await patch(client, alice, task["id"], status="completed")
    following = (await fetch(client, alice, done.json()["next_id"])).json()
    assert following["due_date"] == iso(due + timedelta(days=1))
    assert following["reminders"] == [{"at": iso(due + timedelta(hours=23))}, {"before_minutes": 10}]
    sent = await deliver(app, due + timedelta(days=1))
    assert sent.sent == 2  # the next occurrence's two; the completed one's sent nothing
    assert {n["task_id"] for n in (await notifications(client, alice))["notifications"]} == {following["id"]}


async def test_a_notification_outlives_its_task(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create(client, alice, title="Gone soon", reminders=[{"at": iso(soon(minutes=5))}])
    await deliver(app, soon(minutes=6))
    assert (await client.delete(f"/tasks/{task['id']}", headers=alice.headers)).status_code == 204
    [note] = (await notifications(client, alice))["notifications"]
    assert note["title"] == "Gone soon" and note["task_id"] == task["id"]


async def test_passes_racing_each_other_send_each_reminder_once(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    at = soon(minutes=10)
    for number in range(12):
        await create(client, alice, title=f"Task {number}", reminders=[{"at": iso(at)}])
    passes = await asyncio.gather(*(deliver(app, at + timedelta(seconds=1)) for _ in range(4)))
    assert sum(each.sent for each in passes) == 12
    listed = await notifications(client, alice, "?limit=200")
    assert sorted(n["title"] for n in listed["notifications"]) == sorted(f"Task {n}" for n in range(12))


# --- the notification routes -------------------------------------------------------------------------


async def test_marking_read_and_the_unread_count(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    for minutes in (1, 2, 3):
        await create(client, alice, title=f"In {minutes}", reminders=[{"at": iso(soon(minutes=minutes))}])
    await deliver(app, soon(minutes=4))
    listed = await notifications(client, alice)
    assert [n["title"] for n in listed["notifications"]] == ["In 3", "In 2", "In 1"]  # newest first
    assert listed["unread"] == 3
    first = listed["notifications"][0]["id"]
    response = await client.post(f"/notifications/{first}/read", headers=alice.headers)
    assert response.status_code == 200 and response.json()["read"] is True
    again = await client.post(f"/notifications/{first}/read", headers=alice.headers)
    assert again.status_code == 200 and again.json() == response.json()
    assert (await notifications(client, alice))["unread"] == 2
    assert [n["title"] for n in (await notifications(client, alice, "?unread=true"))["notifications"]] == [
        "In 2",
        "In 1",
    ]
    assert (await notifications(client, alice, "?limit=1"))["notifications"][0]["id"] == first
    assert (await client.post("/notifications/read", headers=alice.headers)).status_code == 204
    assert (await notifications(client, alice))["unread"] == 0


async def test_another_users_notification_is_404_like_a_missing_one(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    await create(client, alice, reminders=[{"at": iso(soon(minutes=1))}])
    await deliver(app, soon(minutes=2))
    [note] = (await notifications(client, alice))["notifications"]
    assert (await notifications(client, bob)) == {"notifications": [], "unread": 0}
    foreign = await client.post(f"/notifications/{note['id']}/read", headers=bob.headers)
    missing = await client.post("/notifications/999999/read", headers=bob.headers)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["detail"] == f"Notification {note['id']} not found"
    for path in ("/notifications/0/read", f"/notifications/{2**31}/read", "/notifications/abc/read"):
        assert (await client.post(path, headers=bob.headers)).status_code == 404
    assert (await client.post("/notifications/read", headers=bob.headers)).status_code == 204
    assert (await notifications(client, alice))["unread"] == 1  # bob's "all read" was only his


@pytest.mark.parametrize("query", ["?limit=0", "?limit=201", "?limit=x", "?unread=maybe"])
async def test_bad_list_parameters_are_a_422(
    client: httpx.AsyncClient, alice: UserHandle, query: str
) -> None:
    assert (await client.get(f"/notifications{query}", headers=alice.headers)).status_code == 422


async def test_signed_out_callers_get_401_and_tokens_need_the_task_scopes(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    assert (await client.get("/notifications")).status_code == 401
    assert (await client.post("/notifications/read")).status_code == 401
    reader = await new_token(client, alice, "tasks:read")
    calendar = await new_token(client, alice, "calendar")
    assert (await client.get("/notifications", headers=reader["headers"])).status_code == 200
    assert (await client.post("/notifications/read", headers=reader["headers"])).status_code == 403
    assert (await client.get("/notifications", headers=calendar["headers"])).status_code == 403


async def test_an_export_reimported_keeps_the_reminders_and_an_import_checks_them(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    due, at = soon(days=2), soon(hours=5)
    await create(
        client, alice, title="Dentist", due_date=iso(due), reminders=[{"before_minutes": 60}, {"at": iso(at)}]
    )
    exported = (await client.get("/users/me/export", headers=alice.headers)).json()
    response = await client.post("/users/me/import", json=exported, headers=bob.headers)
    assert response.status_code in (200, 201), response.text
    [task] = (await client.get("/tasks", headers=bob.headers)).json()
    assert task["reminders"] == [{"before_minutes": 60}, {"at": iso(at)}]
    assert (await deliver(app, at)).sent == 2  # alice's and bob's: an imported task is sent like any other

    body = {
        "format": "taskagent-export",
        "version": 1,
        "tasks": [{"title": "T", "reminders": [{"before_minutes": 5}]}],
    }
    refused = await client.post("/users/me/import", json=body, headers=bob.headers)
    assert refused.status_code == 422
    assert "before_minutes needs a due date" in refused.json()["detail"][0]["msg"]
    assert len((await client.get("/tasks", headers=bob.headers)).json()) == 1

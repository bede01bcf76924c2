"""GET /tasks/{id}: the task as every other endpoint shows it, with its ETag; 404 for anything not the
caller's; the caller known by a bearer token (any spelling of the scheme) or a session cookie."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from taskagent.auth.dependencies import SESSION_COOKIE
from taskagent.config import Settings
from taskagent.resources import app_resources
from tests.conftest import UserHandle, signed_in_session
from tests.tasks.conftest import create, fetch


async def test_a_task_reads_as_it_was_created_listed_and_changed(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    parent = await create(client, alice, title="Parent")
    created_response = await client.post(
        "/tasks",
        json={
            "title": "Relire le rapport Q4 — 📊",
            "description": "Ünïcode\nand lines",
            "status": "in_progress",
            "priority": "urgent",
            "due_date": "2026-12-04T17:30:00+01:00",
            "tags": ["work", "q4"],
            "parent_id": parent["id"],
            "estimate_minutes": 90,
        },
        headers=alice.headers,
    )
    assert created_response.status_code == 201, created_response.text
    created = created_response.json()

    read = await fetch(client, alice, created["id"])
    assert read.status_code == 200, read.text
    assert read.headers["content-type"] == "application/json"
    assert read.headers["etag"] == created_response.headers["etag"]
    assert read.json() == created
    assert read.json()["due_date"] == "2026-12-04T16:30:00Z"  # in UTC, as everywhere
    listed = await client.get("/tasks", params={"parent_id": parent["id"]}, headers=alice.headers)
    assert listed.json() == [read.json()]

    changed = await client.patch(
        f"/tasks/{created['id']}",
        json={"status": "completed", "tags": [], "due_date": None},
        headers={**alice.headers, "If-Match": read.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    reread = await fetch(client, alice, created["id"])
    assert reread.json() == changed.json()
    assert reread.headers["etag"] == changed.headers["etag"] != read.headers["etag"]
    assert reread.json()["completed_at"] is not None and reread.json()["tags"] == []


async def test_a_task_with_every_field_reads_and_lists_as_created(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    """A read and a page encode the rows they read without validating them first (`schemas.TaskShown`):
    the same fields in the same order as the create's answer (`TaskRead`), reminders of both kinds too."""
    created = await create(
        client,
        alice,
        title="Every field",
        description="All of them",
        status="in_progress",
        priority="high",
        due_date="2026-12-04T17:30:00.250000+01:00",
        tags=["x", "y"],
        estimate_minutes=15,
        position=2.5,
        recurrence="FREQ=WEEKLY;BYDAY=FR",
        repeat_from="completion",
        reminders=[{"at": "2026-12-03T09:00:00+01:00"}, {"before_minutes": 30}],
    )
    read = await fetch(client, alice, created["id"])
    page = await client.get("/tasks", headers=alice.headers)
    assert read.status_code == page.status_code == 200, (read.text, page.text)
    assert list(read.json().items()) == list(created.items())
    assert [list(task.items()) for task in page.json()] == [list(created.items())]
    assert created["reminders"] == [{"at": "2026-12-03T08:00:00Z"}, {"before_minutes": 30}]
    assert created["next_id"] is None


async def test_what_is_not_the_callers_task_is_404(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    bobs = await create(client, bob, title="Bob's")
    missing = await fetch(client, alice, bobs["id"] + 1000)
    foreign = await fetch(client, alice, bobs["id"])
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == {"detail": f"Task {bobs['id']} not found"}
    for task_id in (0, -1, 2**31, 2**63):  # ids no row can have (PostgreSQL would refuse the parameter)
        response = await fetch(client, alice, task_id)
        assert response.status_code == 404, (task_id, response.text)
    for bad in ("abc", "1.5", "1e3"):
        response = await client.get(f"/tasks/{bad}", headers=alice.headers)
        assert response.status_code == 404, (bad, response.text)  # no route matches a non-integer id
    assert (await client.get(f"/tasks/{bobs['id']}")).status_code == 401
    assert (await fetch(client, bob, bobs["id"])).json() == bobs  # unchanged


async def test_paths_that_are_not_a_task_id_and_callers_that_are_not_verified(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create(client, alice)
    task_url = f"/tasks/{task['id']}"
    for path, status in [
        (f"{task_url}x", 404),  # `{task_id:int}` does not match: no such resource
        ("/tasks/٣", 404),  # an Arabic-Indic digit: str.isdigit() says yes, the route does not
        (f"/tasks/0{task['id']}", 200),  # the same id to FastAPI
        ("/tasks/99999999999999999999999", 404),
    ]:
        response = await client.get(path, headers=alice.headers)
        assert response.status_code == status, (path, response.text)

    forged = alice.token[:-2] + ("AA" if not alice.token.endswith("AA") else "BB")
    refused = [
        await client.get(task_url),
        await client.get(task_url, headers={"Authorization": f"Bearer {forged}"}),
        await client.get(task_url, headers={"Authorization": f"Basic {alice.token}"}),
    ]
    assert [response.status_code for response in refused] == [401, 401, 401]
    assert all(response.headers["www-authenticate"] == "Bearer" for response in refused)
    assert (await client.head(task_url, headers=alice.headers)).status_code == 405


async def test_every_form_of_the_callers_credentials_reads_the_same_task(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, settings: Settings
) -> None:
    task = await create(client, alice, title="Relire le rapport — 📊", tags=["q4"])
    task_url = f"/tasks/{task['id']}"
    first = await fetch(client, alice, task["id"])
    again = await fetch(client, alice, task["id"])  # the token is now one this worker has verified
    lower = await client.get(task_url, headers={"Authorization": f"bearer {alice.token}"})
    session = (await signed_in_session(app, settings, alice.id)).token
    by_cookie = await client.get(task_url, headers={"Cookie": f"{SESSION_COOKIE}={session}"})
    answers = [first, again, lower, by_cookie]
    assert [response.status_code for response in answers] == [200] * 4
    assert all(response.json() == task for response in answers)
    assert len({response.headers["etag"] for response in answers}) == 1
    assert all(response.headers["content-type"] == "application/json" for response in answers)


async def test_json_columns_read_the_same_whatever_their_spacing(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    """Tags and reminders are JSON text: as this service stores them, or spaced as another writer (a
    restore, psql) may have left them, they read the same, in a task and in a page."""
    task = await create(client, alice, title="Spaced", tags=["a", "b"])
    reminder = {"before_minutes": 30}
    stored = {"tags": ' \n[ "a" , "b" ]\t', "reminders": ' [{"before_minutes": 30}] '}
    async with app_resources(app).engine.begin() as connection:
        await connection.execute(
            text("UPDATE tasks SET tags = :tags, reminders = :reminders WHERE id = :id"),
            {**stored, "id": task["id"]},
        )
    read = await fetch(client, alice, task["id"])
    assert read.status_code == 200, read.text
    assert (read.json()["tags"], read.json()["reminders"]) == (["a", "b"], [reminder])
    page = await client.get("/tasks", headers=alice.headers)
    assert page.status_code == 200, page.text
    assert [(t["tags"], t["reminders"]) for t in page.json()] == [(["a", "b"], [reminder])]

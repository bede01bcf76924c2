"""GET /tasks/{id}: the task as every other endpoint shows it, with its ETag; 404 for anything not the
caller's. On PostgreSQL it is read without a request session (`TaskReader`), so these tests also pin that
the direct read returns what SQLAlchemy returns."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from taskagent.resources import app_resources
from taskagent.tasks.repository import TaskReader
from tests.conftest import UserHandle
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
        assert response.status_code == 422, (bad, response.text)
    assert (await client.get(f"/tasks/{bobs['id']}")).status_code == 401
    assert (await fetch(client, bob, bobs["id"])).json() == bobs  # unchanged


async def test_the_reader_returns_what_a_session_returns(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create(client, alice, title="Typed", due_date="2026-12-04T08:00:00Z", tags=["a", "b"])
    reader = TaskReader(app_resources(app).engine, app_resources(app).session_factory)
    row = await reader.one(alice.id, task["id"])
    assert row is not None
    assert row["due_date"] == datetime(2026, 12, 4, 8, tzinfo=UTC) and row["tags"] == ["a", "b"]
    assert row["status"] == "pending" and row["owner_id"] == alice.id and row["version"] == 1
    direct = reader._direct
    assert (direct is not None) == (app_resources(app).engine.dialect.name == "postgresql")
    if direct is not None:  # called itself, so that a failure cannot hide behind the fallback
        assert await direct.first(owner_id=alice.id, task_id=task["id"]) == row
    # The same read forced through a session (SQLite's path, and PostgreSQL's fallback).
    reader._direct = None
    assert await reader.one(alice.id, task["id"]) == row
    assert await reader.one(alice.id + 1000, task["id"]) is None

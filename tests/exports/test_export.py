"""Exports: all of a user's data as JSON, tasks as CSV; never another user's."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from tests.access_tokens.conftest import new_token
from tests.conftest import UserHandle
from tests.tasks.conftest import create

pytestmark = pytest.mark.usefixtures("backend")


async def test_the_json_export_holds_the_users_tasks_and_settings(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    parent = await create(client, alice, title="Plan trip", due_date="2026-12-20T10:00:00Z", tags=["travel"])
    child = await create(client, alice, title="Book train", parent_id=parent["id"])
    await create(client, bob, title="Bob's secret")
    response = await client.get("/users/me/export", headers=alice.headers)
    assert response.status_code == 200
    exported = response.json()
    assert exported["format"] == "taskagent-export" and exported["version"] == 1
    assert exported["settings"] == {"email": alice.email, "timezone": "UTC"}
    listed = (await client.get("/tasks", headers=alice.headers)).json()
    assert exported["tasks"] == sorted(listed, key=lambda task: task["id"])
    assert [task["id"] for task in exported["tasks"]] == [parent["id"], child["id"]]
    assert exported["conversations"] == []
    assert "Bob's secret" not in response.text


async def test_the_csv_export_has_one_row_per_task(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    await create(client, alice, title='Say "hi", then leave', tags=["a", "b"], estimate_minutes=5)
    await create(client, alice, title="Undated")
    await create(client, bob, title="Bob's secret")
    response = await client.get("/tasks/export.csv", headers=alice.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["title"] for row in rows] == ['Say "hi", then leave', "Undated"]
    assert rows[0]["tags"] == "a,b" and rows[0]["estimate_minutes"] == "5"
    assert rows[1]["due_date"] == "" and rows[1]["status"] == "pending"
    assert [row["position"] for row in rows] == ["1.0", "2.0"]  # the manual order


async def test_a_read_token_may_export_csv_but_not_everything(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    reader = await new_token(client, alice, "tasks:read")
    assert (await client.get("/tasks/export.csv", headers=reader["headers"])).status_code == 200
    assert (await client.get("/users/me/export", headers=reader["headers"])).status_code == 403
    calendar = await new_token(client, alice, "calendar")
    assert (await client.get("/tasks/export.csv", headers=calendar["headers"])).status_code == 403


async def test_signed_out_callers_get_401(client: httpx.AsyncClient) -> None:
    assert (await client.get("/users/me/export")).status_code == 401
    assert (await client.get("/tasks/export.csv")).status_code == 401

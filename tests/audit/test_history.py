"""GET /tasks/{id}/history: every change of a task, by every way in (REST, the web page, chat, help, MCP),
with who, the channel, when and what changed; kept after the task is deleted; another user's is 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, select

from taskagent.audit.models import TaskHistory
from taskagent.auth.models import User
from taskagent.config import Settings
from taskagent.db import session_scope
from taskagent.resources import app_resources
from tests.access_tokens.conftest import new_token
from tests.agents.support import ask_events, create_task
from tests.chat.conftest import ChatClient
from tests.conftest import UserHandle, signed_in_session
from tests.mcp.conftest import McpClient
from tests.mcp.test_http import call

pytestmark = pytest.mark.usefixtures("backend")


async def history(client: httpx.AsyncClient, user: UserHandle, task_id: int) -> list[dict[str, Any]]:
    response = await client.get(f"/tasks/{task_id}/history", headers=user.headers)
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


def summary(entries: list[dict[str, Any]]) -> list[tuple[str, str, list[str]]]:
    return [(entry["channel"], entry["action"], sorted(entry["changes"])) for entry in entries]


async def test_rest_changes_are_recorded_with_who_when_and_what(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create_task(client, alice, title="Draft the report", priority="high", tags=["work"])
    patched = await client.patch(
        f"/tasks/{task['id']}",
        json={"status": "completed", "title": "Draft the Q4 report"},
        headers=alice.headers,
    )
    assert patched.status_code == 200
    # A write that changes nothing leaves no entry.
    same = await client.patch(f"/tasks/{task['id']}", json={"priority": "high"}, headers=alice.headers)
    assert same.status_code == 200

    created, updated = await history(client, alice, task["id"])
    assert created["channel"] == "rest" and created["action"] == "created"
    assert created["actor"] == {"id": alice.id, "email": alice.email}
    assert created["changes"]["title"] == {"from": None, "to": "Draft the report"}
    assert created["changes"]["priority"] == {"from": None, "to": "high"}
    assert created["changes"]["tags"] == {"from": None, "to": ["work"]}
    assert created["changes"]["status"] == {"from": None, "to": "pending"}  # defaults too
    assert "description" not in created["changes"]  # nothing to record for a field left empty
    assert updated["changes"] == {
        "status": {"from": "pending", "to": "completed"},
        "title": {"from": "Draft the report", "to": "Draft the Q4 report"},
    }
    assert updated["action"] == "updated" and updated["at"] >= created["at"]
    assert updated["at"].endswith("Z") or updated["at"].endswith("+00:00")


async def test_the_web_page_is_told_apart_by_its_session_cookie(
    client: httpx.AsyncClient, app: FastAPI, settings: Settings, alice: UserHandle
) -> None:
    session = await signed_in_session(app, settings, alice.id)
    client.cookies.set("taskagent_session", session.token)
    assert session.csrf is not None
    web = {"X-CSRF-Token": session.csrf}
    created = await client.post("/tasks", json={"title": "From the page"}, headers=web)
    assert created.status_code == 201, created.text
    task_id = created.json()["id"]
    changed = await client.patch(f"/tasks/{task_id}", json={"due_date": "2026-12-24T17:00:00Z"}, headers=web)
    assert changed.status_code == 200
    # The same browser's cookie is still there, but a bearer token is the REST API's way in.
    by_script = await client.patch(f"/tasks/{task_id}", json={"priority": "low"}, headers=alice.headers)
    assert by_script.status_code == 200

    entries = (await client.get(f"/tasks/{task_id}/history")).json()
    assert summary(entries) == [
        ("web", "created", ["priority", "status", "title"]),
        ("web", "updated", ["due_date"]),
        ("rest", "updated", ["priority"]),
    ]
    assert entries[1]["changes"]["due_date"] == {"from": None, "to": "2026-12-24T17:00:00Z"}


async def test_a_deleted_tasks_history_is_kept_with_its_subtasks(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    parent = await create_task(client, alice, title="Move house")
    child = await create_task(client, alice, title="Book the van", parent_id=parent["id"])
    assert (await client.delete(f"/tasks/{parent['id']}", headers=alice.headers)).status_code == 204
    assert (await client.get(f"/tasks/{parent['id']}", headers=alice.headers)).status_code == 404

    entries = await history(client, alice, parent["id"])
    assert [entry["action"] for entry in entries] == ["created", "deleted"]
    assert entries[-1]["changes"]["title"] == {"from": "Move house", "to": None}
    # The subtask the database deleted with it has its own last entry.
    child_entries = await history(client, alice, child["id"])
    assert [entry["action"] for entry in child_entries] == ["created", "deleted"]
    assert child_entries[-1]["changes"]["parent_id"] == {"from": parent["id"], "to": None}
    # A new task that gets a deleted one's id (SQLite reuses the highest) starts a trail of its own.
    again = await create_task(client, alice, title="Something else")
    assert [entry["action"] for entry in await history(client, alice, again["id"])] == ["created"]


async def test_another_users_task_and_a_missing_one_are_404(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    bobs = await create_task(client, bob, title="Bob's secret")
    gone = await create_task(client, bob, title="Bob's deleted")
    await client.delete(f"/tasks/{gone['id']}", headers=bob.headers)
    for task_id in (bobs["id"], gone["id"], bobs["id"] + 1000):
        response = await client.get(f"/tasks/{task_id}/history", headers=alice.headers)
        assert response.status_code == 404, response.text
        assert response.json() == {"detail": f"Task {task_id} not found"}
    assert (await client.get(f"/tasks/{bobs['id']}/history")).status_code == 401
    assert (await client.get("/tasks/abc/history", headers=alice.headers)).status_code == 404


async def test_an_access_token_reads_history_with_tasks_read(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create_task(client, alice)
    reader = await new_token(client, alice, "tasks:read")
    response = await client.get(f"/tasks/{task['id']}/history", headers=reader["headers"])
    assert response.status_code == 200 and len(response.json()) == 1
    writer_only = await new_token(client, alice, "calendar")
    refused = await client.get(f"/tasks/{task['id']}/history", headers=writer_only["headers"])
    assert refused.status_code == 403


async def test_chat_changes_are_recorded_as_chat(
    client: httpx.AsyncClient, chat: Callable[[UserHandle], ChatClient], alice: UserHandle
) -> None:
    assistant = chat(alice)
    turn = await assistant.create("Create a task to review the Q4 report, high priority")
    assert not turn.errors, turn.errors
    [task] = (await client.get("/tasks", headers=alice.headers)).json()
    await assistant.say(turn.thread_id, f"Mark task #{task['id']} as done")

    entries = await history(client, alice, task["id"])
    assert summary(entries)[0] == ("chat", "created", ["priority", "status", "title"])
    assert entries[0]["actor"]["id"] == alice.id
    assert ("chat", "updated", ["status"]) in summary(entries)
    assert entries[-1]["changes"]["status"] == {"from": "pending", "to": "completed"}


async def test_help_changes_are_recorded_as_help(client: httpx.AsyncClient, alice: UserHandle) -> None:
    task = await create_task(client, alice, title="Plan the team offsite")
    await ask_events(client, alice, task["id"], "Break this down into subtasks and create them")
    subtasks = (await client.get(f"/tasks?parent_id={task['id']}", headers=alice.headers)).json()
    assert subtasks, "the breakdown specialist created no subtask"
    for subtask in subtasks:
        [created] = await history(client, alice, subtask["id"])
        assert created["channel"] == "help" and created["action"] == "created"
        assert created["changes"]["parent_id"] == {"from": None, "to": task["id"]}


async def test_mcp_changes_are_recorded_as_mcp(
    client: httpx.AsyncClient, alice: UserHandle, mcp_client: McpClient
) -> None:
    token = await new_token(client, alice, "mcp")
    async with mcp_client(token["token"]) as mcp:
        [task] = (await call(mcp, "create_tasks", tasks=[{"title": "Renew the passport"}]))["created"]
        await call(mcp, "complete_task", task_id=task["id"])
        await call(mcp, "delete_task", task_id=task["id"])
    entries = await history(client, alice, task["id"])
    assert summary(entries) == [
        ("mcp", "created", ["priority", "status", "title"]),
        ("mcp", "updated", ["status"]),
        ("mcp", "deleted", ["priority", "status", "title"]),
    ]
    assert entries[-1]["changes"]["status"] == {"from": "completed", "to": None}


async def test_the_export_holds_the_trail_and_deleting_the_account_deletes_it(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle, bob: UserHandle
) -> None:
    kept = await create_task(client, alice, title="Kept")
    gone = await create_task(client, alice, title="Gone")
    await client.delete(f"/tasks/{gone['id']}", headers=alice.headers)
    bobs = await create_task(client, bob, title="Bob's")

    exported = (await client.get("/users/me/export", headers=alice.headers)).json()
    assert [(entry["task_id"], entry["action"]) for entry in exported["history"]] == [
        (kept["id"], "created"),
        (gone["id"], "created"),
        (gone["id"], "deleted"),
    ]
    assert {entry["channel"] for entry in exported["history"]} == {"rest"}

    async with session_scope(app_resources(app).session_factory) as session:
        await session.execute(delete(User).where(User.id == alice.id))  # what DELETE /users/me does
    async with session_scope(app_resources(app).session_factory) as session:
        owners = (await session.execute(select(TaskHistory.owner_id))).scalars().all()
    assert owners == [bob.id]
    assert len(await history(client, bob, bobs["id"])) == 1

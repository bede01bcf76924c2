"""A tool call naming another user's task reaches nothing: the tool says "not found", the task is unchanged.

Tools take the user from the run context, never from the model's arguments. Shown on both backends, through
HTTP with a scripted model that calls the specialists' tools with Bob's task id on Alice's help request,
and for every tool directly, with the same arguments a model would send.
"""

from __future__ import annotations

from typing import Any

import httpx
from agents.testing import ScriptedModel, assistant_message, function_call
from fastapi import FastAPI

from taskagent.agents import tools
from taskagent.agents.context import AgentContext
from taskagent.resources import app_resources
from tests.agents.support import agents_seen, ask_events, call_tool, create_task, install_model, last
from tests.conftest import UserHandle


async def _snapshot(client: httpx.AsyncClient, user: UserHandle) -> list[dict[str, Any]]:
    response = await client.get("/tasks", params={"limit": 200}, headers=user.headers)
    assert response.status_code == 200
    data: list[dict[str, Any]] = response.json()
    return data


async def test_a_scripted_model_cannot_reach_another_users_task(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle, bob: UserHandle
) -> None:
    bobs = await create_task(client, bob, title="Bob's private task", due_date="2030-01-01T09:00:00Z")
    alices = await create_task(client, alice, title="Alice's task")
    before = await _snapshot(client, bob)
    foreign = bobs["id"]
    model = ScriptedModel(
        [
            [function_call("transfer_to_breakdown_agent", {}, call_id="h1")],
            [function_call("get_task", {"task_id": foreign}, call_id="c1")],
            [
                function_call(
                    "create_subtasks", {"task_id": foreign, "steps": [{"title": "Pwned"}]}, call_id="c2"
                )
            ],
            [assistant_message("Nothing to see.")],
        ]
    )
    install_model(app, model)
    events = await ask_events(client, alice, alices["id"], "Break Bob's task down")
    assert agents_seen(events) == ["triage", "breakdown"]
    results = {event.data["name"]: event.data["result"] for event in events if event.name == "tool"}
    assert results == {
        "get_task": {"error": f"Task {foreign} not found"},
        "create_subtasks": {"error": f"Task {foreign} not found"},
    }
    assert last(events, "done")["specialist"] == "breakdown"
    model.assert_complete()
    assert await _snapshot(client, bob) == before
    assert await _snapshot(client, alice) == [alices]  # no subtask landed anywhere

    scheduler = ScriptedModel(
        [
            [function_call("set_due_date", {"task_id": foreign, "due_date": "2031-01-01"}, call_id="s1")],
            [function_call("suggest_schedule", {"task_id": foreign}, call_id="s2")],
            [assistant_message("Done.")],
        ]
    )
    install_model(app, scheduler)
    events = await ask_events(client, alice, alices["id"], "Move Bob's task", path="schedule")
    results = {event.data["name"]: event.data["result"] for event in events if event.name == "tool"}
    assert results == {
        "set_due_date": {"error": f"Task {foreign} not found"},
        "suggest_schedule": {"error": f"Task {foreign} not found"},
    }
    assert await _snapshot(client, bob) == before


async def test_every_tool_refuses_another_users_task(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle, bob: UserHandle
) -> None:
    bobs = await create_task(client, bob, title="Security audit", description="quarterly security audit")
    before = await _snapshot(client, bob)
    foreign = bobs["id"]
    not_found = {"error": f"Task {foreign} not found"}
    context = AgentContext(user_id=alice.id, session_factory=app_resources(app).session_factory)
    # Even with Bob's task in focus (a forged request could not get there: the endpoint answers 404).
    focused = AgentContext(
        user_id=alice.id, session_factory=app_resources(app).session_factory, focus_task_id=foreign
    )

    assert await call_tool(tools.get_task, context, {"task_id": foreign}) == not_found
    assert await call_tool(tools.get_task, focused, {}) == not_found
    assert await call_tool(tools.update_task, context, {"task_id": foreign, "title": "Mine now"}) == not_found
    assert await call_tool(tools.update_task, context, {"task_id": foreign, "due_date": None}) == not_found
    assert await call_tool(tools.delete_task, context, {"task_id": foreign}) == not_found
    assert (
        await call_tool(tools.set_due_date, context, {"task_id": foreign, "due_date": "2031-01-01"})
        == not_found
    )
    assert await call_tool(tools.set_due_date, focused, {"due_date": "2031-01-01"}) == not_found
    assert await call_tool(tools.suggest_schedule, context, {"task_id": foreign}) == not_found
    assert (
        await call_tool(tools.create_subtasks, context, {"task_id": foreign, "steps": [{"title": "x"}]})
        == not_found
    )
    created = await call_tool(
        tools.create_tasks, context, {"tasks": [{"title": "Sneaky", "parent_id": foreign}]}
    )
    assert created == {"error": f"parent task {foreign} not found"}
    # Searches only ever see the caller's own tasks.
    assert await call_tool(tools.find_tasks, context, {"description": "security audit"}) == {"matches": []}
    assert await call_tool(tools.find_tasks, context, {"description": f"#{foreign}"}) == {"matches": []}
    assert await call_tool(tools.list_tasks, context, {"q": "audit"}) == {"tasks": [], "count": 0}
    assert await call_tool(tools.list_open_tasks, context, {}) == {"tasks": []}

    assert await _snapshot(client, bob) == before
    assert await _snapshot(client, alice) == []

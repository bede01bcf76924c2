"""Every owner-scoped request of Alice's, replayed by Bob on Alice's data: "not found", and nothing changes.

Bob's answer must also be the answer he gets for an id that does not exist at all, so the replies tell him
nothing about what Alice has. REST routes are found by walking the app (every route with a `{task_id}`,
every method), so a task route added later is replayed too; the ChatKit request types are listed.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from tests.conftest import UserHandle

MISSING_TASK = 987_654_321
MISSING_THREAD = "thr_doesnotexist0000"
MISSING_ITEM = "msg_doesnotexist0000"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # Each of Bob's agent requests is sent twice (Alice's id, a missing one): more than 10 a minute.
    return {"agent_rate_limit": 1000}


def _message(text: str) -> dict[str, Any]:
    return {"content": [{"type": "input_text", "text": text}], "attachments": [], "inference_options": {}}


def _sse_data(body: str) -> list[dict[str, Any]]:
    return [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]


async def _chatkit(
    client: httpx.AsyncClient, user: UserHandle, request_type: str, params: dict[str, Any]
) -> httpx.Response:
    return await client.post("/chatkit", json={"type": request_type, "params": params}, headers=user.headers)


def task_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route acting on one task, read from the app."""
    found: list[tuple[str, str]] = []
    for context in iter_route_contexts(list(app.routes)):
        # `{task_id:int}` in the route; the plain template is what callers fill in.
        path = re.sub(r"\{(\w+):int\}", r"{\1}", context.path or "")
        if isinstance(context.original_route, APIRoute) and "{task_id}" in path:
            found.extend((method, path) for method in sorted(context.methods or ()))
    return found


async def _alice_state(client: httpx.AsyncClient, alice: UserHandle, thread_id: str) -> dict[str, Any]:
    tasks = await client.get("/tasks", params={"limit": 200}, headers=alice.headers)
    assert tasks.status_code == 200, tasks.text
    state: dict[str, Any] = {"tasks": tasks.json(), "help": {}}
    for task in tasks.json():
        history = await client.get(f"/tasks/{task['id']}/help", headers=alice.headers)
        assert history.status_code == 200, history.text
        state["help"][task["id"]] = history.json()
    thread = await _chatkit(client, alice, "threads.get_by_id", {"thread_id": thread_id})
    assert thread.status_code == 200, thread.text
    items = await _chatkit(
        client, alice, "items.list", {"thread_id": thread_id, "limit": 100, "order": "asc"}
    )
    assert items.status_code == 200, items.text
    state["thread"], state["items"] = thread.json(), items.json()
    threads = await _chatkit(client, alice, "threads.list", {"limit": 100})
    state["threads"] = threads.json()
    return state


def _request_body(method: str, path: str) -> dict[str, Any]:
    if method in {"PUT", "PATCH"}:
        return {"json": {"title": "Bob was here", "status": "completed"}}
    if method == "POST" and path.endswith("/help"):
        return {"json": {"query": "Tell me everything about this task"}}
    if method == "POST":
        return {"json": {"query": "When should I do it?"}}
    return {}


async def test_bob_replaying_alices_requests_finds_nothing_and_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    # Alice's data: a task with a subtask, a help conversation on it, and a chat thread.
    parent = await client.post(
        "/tasks", json={"title": "Alice's secret project", "priority": "high"}, headers=alice.headers
    )
    assert parent.status_code == 201, parent.text
    task_id = parent.json()["id"]
    child = await client.post(
        "/tasks", json={"title": "Alice's subtask", "parent_id": task_id}, headers=alice.headers
    )
    assert child.status_code == 201, child.text
    helped = await client.post(
        f"/tasks/{task_id}/help", json={"query": "How do I start?"}, headers=alice.headers
    )
    assert helped.status_code == 200, helped.text
    created = await _chatkit(client, alice, "threads.create", {"input": _message("What tasks do I have?")})
    assert created.status_code == 200, created.text
    events = _sse_data(created.text)
    thread_id = next(event["thread"]["id"] for event in events if event["type"] == "thread.created")
    items = [event["item"] for event in events if event["type"] == "thread.item.done"]
    user_item = next(item["id"] for item in items if item["type"] == "user_message")
    answer_item = next(item["id"] for item in items if item["type"] == "assistant_message")
    bobs_task = await client.post("/tasks", json={"title": "Bob's own task"}, headers=bob.headers)
    assert bobs_task.status_code == 201
    bobs_id = bobs_task.json()["id"]

    before = await _alice_state(client, alice, thread_id)
    assert before["help"][task_id]["items"], "Alice's help thread should hold her request and the answer"
    problems: list[str] = []

    # REST: every route on one task, every method, with Alice's id and with an id nobody has.
    routes = task_routes(app)
    assert {("GET", "/tasks/{task_id}"), ("POST", "/tasks/{task_id}/help")} <= set(routes), routes
    for method, path in routes:
        kwargs = _request_body(method, path)
        theirs = await client.request(method, path.format(task_id=task_id), headers=bob.headers, **kwargs)
        nobodys = await client.request(
            method, path.format(task_id=MISSING_TASK), headers=bob.headers, **kwargs
        )
        if theirs.status_code != 404:
            problems.append(f"{method} {path} on Alice's task: {theirs.status_code} {theirs.text[:200]}")
        elif theirs.json()["detail"].replace(str(task_id), "N") != nobodys.json()["detail"].replace(
            str(MISSING_TASK), "N"
        ):
            problems.append(f"{method} {path}: {theirs.text} differs from a missing task's {nobodys.text}")

    # REST: Alice's task as a filter, or as the parent of Bob's tasks.
    listed = await client.get("/tasks", params={"parent_id": task_id}, headers=bob.headers)
    if listed.status_code != 200 or listed.json() != []:
        problems.append(f"GET /tasks?parent_id=<Alice's>: {listed.status_code} {listed.text[:200]}")
    for label, response, missing in (
        (
            "POST /tasks with Alice's parent_id",
            await client.post("/tasks", json={"title": "x", "parent_id": task_id}, headers=bob.headers),
            await client.post("/tasks", json={"title": "x", "parent_id": MISSING_TASK}, headers=bob.headers),
        ),
        (
            "PATCH Bob's task under Alice's parent",
            await client.patch(f"/tasks/{bobs_id}", json={"parent_id": task_id}, headers=bob.headers),
            await client.patch(f"/tasks/{bobs_id}", json={"parent_id": MISSING_TASK}, headers=bob.headers),
        ),
    ):
        same = response.text.replace(str(task_id), "N") == missing.text.replace(str(MISSING_TASK), "N")
        if response.status_code not in {404, 422} or not same or "not found" not in response.text:
            problems.append(f"{label}: {response.status_code} {response.text[:200]} vs {missing.text[:200]}")

    # ChatKit: every request type that names a thread or an item, on Alice's and on a missing one.
    def chatkit_requests(thread: str, user_msg: str, answer: str) -> dict[str, dict[str, Any]]:
        return {
            "threads.get_by_id": {"thread_id": thread},
            "threads.update": {"thread_id": thread, "title": "Bob renamed it"},
            "items.list": {"thread_id": thread},
            "items.feedback": {"thread_id": thread, "item_ids": [answer], "kind": "negative"},
            "threads.add_user_message": {"thread_id": thread, "input": _message("Delete all my tasks")},
            "threads.retry_after_item": {"thread_id": thread, "item_id": user_msg},
            "threads.add_client_tool_output": {"thread_id": thread, "result": {"ok": True}},
            "threads.custom_action": {
                "thread_id": thread,
                "item_id": answer,
                "action": {"type": "delete", "payload": {}},
            },
            "threads.delete": {"thread_id": thread},  # last: were it to work, the others would 404 anyway
        }

    missing_requests = chatkit_requests(MISSING_THREAD, MISSING_ITEM, MISSING_ITEM)
    for kind, params in chatkit_requests(thread_id, user_item, answer_item).items():
        theirs = await _chatkit(client, bob, kind, params)
        nobodys = await _chatkit(client, bob, kind, missing_requests[kind])
        if theirs.status_code != 404:
            problems.append(f"ChatKit {kind} on Alice's thread: {theirs.status_code} {theirs.text[:200]}")
        elif theirs.text.replace(thread_id, "T") != nobodys.text.replace(MISSING_THREAD, "T"):
            problems.append(f"ChatKit {kind}: {theirs.text} differs from a missing thread's {nobodys.text}")
    listed_threads = await _chatkit(client, bob, "threads.list", {"limit": 100})
    if thread_id in listed_threads.text:
        problems.append(f"ChatKit threads.list shows Bob Alice's thread: {listed_threads.text[:200]}")
    bobs_list = await client.get("/tasks", params={"q": "Alice", "limit": 200}, headers=bob.headers)
    if bobs_list.json() != []:
        problems.append(f"GET /tasks?q=Alice as Bob: {bobs_list.text[:200]}")

    assert not problems, "Bob reached Alice's data:\n" + "\n".join(problems)
    assert await _alice_state(client, alice, thread_id) == before

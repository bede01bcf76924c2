"""POST /tasks/{id}/help and /schedule, GET /tasks/{id}/help and GET /agents/status, through HTTP.

The offline engine serves the agents (no AI account needed). These run on PostgreSQL only: the endpoints'
storage is the conversation repository, tested on both backends by test_memory.py and test_isolation.py.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.agents.support import (
    agents_seen,
    ask,
    ask_events,
    create_task,
    item_text,
    last,
    names,
    parse_sse,
    text_of,
    thread_items,
)
from tests.conftest import UserHandle

pytestmark = pytest.mark.backends("postgres")


async def test_help_streams_triage_then_specialist_then_done(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    task = await create_task(client, alice, title="Redesign the website")
    events = await ask_events(client, alice, task["id"], "Help me break this down into steps")

    assert agents_seen(events) == ["triage", "breakdown"]
    assert events[0].data == {"id": "triage", "name": "Triage Agent"}
    assert last(events, "agent") == {"id": "breakdown", "name": "Breakdown Agent"}
    assert names(events)[-1] == "done"
    assert "error" not in names(events)
    # The specialist speaks after it took over; the text comes word by word.
    handoff_at = [i for i, event in enumerate(events) if event.name == "agent"][1]
    deltas = [i for i, event in enumerate(events) if event.name == "delta"]
    assert len(deltas) > 5 and deltas[0] > handoff_at
    for tool in (event.data for event in events if event.name == "tool"):
        assert set(tool) == {"name", "arguments", "result"}
        assert isinstance(tool["arguments"], dict)
    done = last(events, "done")
    assert done["specialist"] == "breakdown"
    assert done["thread_id"].startswith("thr_")

    # The exchange is stored as ChatKit items: the request, then the answer as streamed.
    items = await thread_items(app, alice.id, task["id"])
    assert [item["type"] for item in items] == ["user_message", "assistant_message"]
    assert item_text(items[0]) == "Help me break this down into steps"
    assert item_text(items[1]) == text_of(events).strip()
    assert items[1]["agent"] == "breakdown"
    assert {item["thread_id"] for item in items} == {done["thread_id"]}


@pytest.mark.parametrize(
    ("query", "specialist"),
    [
        ("When should I work on this? I have a busy week", "scheduler"),
        ("I'm stuck, the vendor never sent the API keys", "blocker"),
        ("Can you split this into smaller pieces?", "breakdown"),
    ],
)
async def test_triage_picks_the_specialist(
    client: httpx.AsyncClient, alice: UserHandle, query: str, specialist: str
) -> None:
    task = await create_task(client, alice, title="Integrate the payment API")
    events = await ask_events(client, alice, task["id"], query)
    assert agents_seen(events) == ["triage", specialist]
    assert last(events, "done")["specialist"] == specialist


async def test_specialist_tools_stream_as_tool_events(client: httpx.AsyncClient, alice: UserHandle) -> None:
    task = await create_task(
        client, alice, title="Prepare the board presentation", due_date="2030-01-10T17:00:00Z"
    )
    events = await ask_events(client, alice, task["id"], "When should I work on this?")
    tools = {event.data["name"]: event.data for event in events if event.name == "tool"}
    assert "suggest_schedule" in tools
    suggestion = tools["suggest_schedule"]["result"]
    assert set(suggestion) == {"day", "start_by", "reasons", "load"}
    assert suggestion["day"] <= "2030-01-10"


async def test_schedule_goes_straight_to_the_scheduler(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    task = await create_task(client, alice, title="File the tax return", due_date="2030-04-15T12:00:00Z")
    response = await client.post(f"/tasks/{task['id']}/schedule", headers=alice.headers)
    assert response.status_code == 200, response.text
    events = parse_sse(response.text)
    assert agents_seen(events) == ["scheduler"]
    assert any(event.data["name"] == "suggest_schedule" for event in events if event.name == "tool")
    assert last(events, "done")["specialist"] == "scheduler"
    items = await thread_items(app, alice.id, task["id"])
    assert item_text(items[0]) == "When should I do this?"  # the default query

    custom = await ask_events(client, alice, task["id"], "Is next week fine?", path="schedule")
    assert agents_seen(custom) == ["scheduler"]


async def test_plain_text_is_the_seeds_format(client: httpx.AsyncClient, alice: UserHandle) -> None:
    task = await create_task(client, alice, title="Redesign the website")
    response = await ask(client, alice, task["id"], "Help me break this down into steps", accept="text/plain")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text.startswith("[Routing to Breakdown Agent]\n\n")
    body = response.text.removeprefix("[Routing to Breakdown Agent]\n\n")
    assert body.strip() and "event:" not in body and "[Routing" not in body

    schedule = await ask(client, alice, task["id"], None, path="schedule", accept="text/plain")
    assert schedule.text.startswith("[Routing to Scheduler Agent]\n\n")


async def test_event_stream_wins_when_both_are_acceptable(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create_task(client, alice)
    response = await ask(client, alice, task["id"], "When?", accept="text/event-stream, text/plain;q=0.5")
    assert response.headers["content-type"].startswith("text/event-stream")


async def test_query_parameter_form_of_the_seed(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    task = await create_task(client, alice, title="Redesign the website")
    response = await client.post(
        f"/tasks/{task['id']}/help", params={"query": "Break this down please"}, headers=alice.headers
    )
    assert response.status_code == 200, response.text
    assert agents_seen(parse_sse(response.text)) == ["triage", "breakdown"]
    items = await thread_items(app, alice.id, task["id"])
    assert item_text(items[0]) == "Break this down please"


@pytest.mark.parametrize(
    ("json_body", "params"),
    [
        (None, None),  # no query at all
        ({"query": ""}, None),
        ({"query": "   "}, None),
        ({"query": "x" * 2001}, None),
        ({"query": "ok", "extra": 1}, None),
        ({"question": "wrong name"}, None),
        (None, {"query": ""}),
        (None, {"query": "x" * 2001}),
        (None, {"query": "   "}),
    ],
)
async def test_bad_queries_are_422(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle, json_body: Any, params: Any
) -> None:
    task = await create_task(client, alice)
    response = await client.post(
        f"/tasks/{task['id']}/help", json=json_body, params=params, headers=alice.headers
    )
    assert response.status_code == 422, response.text
    assert await thread_items(app, alice.id, task["id"]) == []


async def test_longest_query_is_accepted(client: httpx.AsyncClient, alice: UserHandle) -> None:
    task = await create_task(client, alice)
    response = await ask(client, alice, task["id"], "When should I do this? " + "x" * 1977)
    assert response.status_code == 200
    assert names(parse_sse(response.text))[-1] == "done"


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/tasks/{id}/help"), ("POST", "/tasks/{id}/schedule"), ("GET", "/tasks/{id}/help")],
)
async def test_a_token_is_required(
    client: httpx.AsyncClient, alice: UserHandle, method: str, path: str
) -> None:
    task = await create_task(client, alice)
    url = path.format(id=task["id"])
    response = await client.request(method, url, json={"query": "Help"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    bad = await client.request(method, url, json={"query": "Help"}, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/tasks/{id}/help"), ("POST", "/tasks/{id}/schedule"), ("GET", "/tasks/{id}/help")],
)
async def test_missing_and_foreign_tasks_are_404(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle, bob: UserHandle, method: str, path: str
) -> None:
    bobs = await create_task(client, bob, title="Bob's secret plan")
    for task_id in (bobs["id"], 999_999):
        response = await client.request(
            method, path.format(id=task_id), json={"query": "Help"}, headers=alice.headers
        )
        assert response.status_code == 404, response.text
        assert response.headers["content-type"].startswith("application/json")
        assert response.json() == {"detail": f"Task {task_id} not found"}
    assert await thread_items(app, alice.id, bobs["id"]) == []
    assert await thread_items(app, bob.id, bobs["id"]) == []


async def test_eleventh_agent_request_in_a_minute_is_429(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    task = await create_task(client, alice, title="Call the bank")
    for number in range(1, 11):
        path = "help" if number % 2 else "schedule"  # one budget for both endpoints
        response = await ask(client, alice, task["id"], "When should I do this?", path=path)
        assert response.status_code == 200, (number, response.text)
        assert response.headers["x-ratelimit-limit"] == "10"
        assert response.headers["x-ratelimit-remaining"] == str(10 - number)
        assert response.headers["ratelimit-policy"] == '"agent";q=10;w=60'
    refused = await ask(client, alice, task["id"], "When should I do this?")
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/json")
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["ratelimit"].startswith('"agent";r=0;t=')
    assert "x-ratelimit-reset" in refused.headers
    # The budget is per user.
    bobs = await create_task(client, bob)
    assert (await ask(client, bob, bobs["id"], "When should I do this?")).status_code == 200


async def test_help_history_for_the_web_page(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    task = await create_task(client, alice, title="Redesign the website")
    empty = await client.get(f"/tasks/{task['id']}/help", headers=alice.headers)
    assert empty.status_code == 200
    assert empty.json() == {"thread_id": None, "items": []}

    first = await ask_events(client, alice, task["id"], "Help me break this down into steps")
    await ask_events(client, alice, task["id"], "When should I do this?", path="schedule")
    response = await client.get(f"/tasks/{task['id']}/help", headers=alice.headers)
    assert response.status_code == 200
    history = response.json()
    assert history["thread_id"] == last(first, "done")["thread_id"]
    items = history["items"]
    assert [item["role"] for item in items] == ["user", "assistant", "user", "assistant"]
    assert items[0]["text"] == "Help me break this down into steps"
    assert items[1]["text"] == text_of(first).strip()
    assert [item.get("agent") for item in items] == [None, "breakdown", None, "scheduler"]
    assert all(item["id"] and item["created_at"].endswith("Z") for item in items)
    assert items == sorted(items, key=lambda item: item["created_at"])

    limited = await client.get(f"/tasks/{task['id']}/help", params={"limit": 2}, headers=alice.headers)
    assert [item["role"] for item in limited.json()["items"]] == ["user", "assistant"]
    assert limited.json()["items"][0]["text"] == "When should I do this?"


async def test_agents_status_needs_no_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/agents/status")
    assert response.status_code == 200
    status = response.json()
    assert [agent["id"] for agent in status["agents"]] == [
        "triage",
        "scheduler",
        "breakdown",
        "blocker",
        "task_manager",
    ]
    assert [agent["name"] for agent in status["agents"]] == [
        "Triage Agent",
        "Scheduler Agent",
        "Breakdown Agent",
        "Blocker Agent",
        "Task Manager",
    ]
    assert all(agent["description"] for agent in status["agents"])
    assert status["triage_enabled"] is True
    assert status["model"] == "local (offline engine)"


async def test_openapi_declares_the_streams(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    for path in ("/tasks/{task_id}/help", "/tasks/{task_id}/schedule"):
        operation = spec["paths"][path]["post"]
        responses = operation["responses"]
        assert set(responses) >= {"200", "401", "404", "422", "429"}
        assert set(responses["200"]["content"]) == {"text/event-stream", "text/plain"}
        assert "Retry-After" in responses["429"]["headers"]
        assert operation["security"]
    history = spec["paths"]["/tasks/{task_id}/help"]["get"]["responses"]
    assert set(history) >= {"200", "401", "404"}
    status = spec["paths"]["/agents/status"]["get"]
    assert "security" not in status

"""Keyset pagination: the Link header walks every task exactly once in the requested order, ties included;
cursors are opaque and signed, and a tampered or foreign one is a 422."""

from __future__ import annotations

import base64
import random
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from taskagent.db import create_session_factory, session_scope
from taskagent.resources import app_resources
from taskagent.tasks.models import PRIORITY_RANK, Task, TaskPriority, TaskStatus
from tests.conftest import UserHandle
from tests.tasks.test_list import expected_order

ALL_SORTS = [
    s
    for field in ("created_at", "updated_at", "due_date", "priority", "title", "position")
    for s in (field, f"-{field}")
]
LINK = re.compile(r'^<([^>]+)>; rel="next"$')


async def insert_tasks(app: FastAPI, owner_id: int, count: int, *, seed: int = 7) -> None:
    """Setup: `count` tasks with one created_at/updated_at for all, random due dates (a fifth undated),
    random priorities, positions and titles drawn from a few values, so every sort has long runs of ties."""
    rng = random.Random(seed)
    stamp = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    words = ["alpha", "bravo", "charlie", "delta", "echo"]
    async with session_scope(create_session_factory(app_resources(app).engine)) as session:
        for _ in range(count):
            priority = rng.choice(list(TaskPriority))
            due = None if rng.random() < 0.2 else stamp + timedelta(days=rng.randint(-30, 30))
            session.add(
                Task(
                    owner_id=owner_id,
                    title=rng.choice(words),
                    position=rng.randint(-3, 3) / 2,  # ties, negatives and fractions
                    status=TaskStatus.pending,
                    priority=priority,
                    priority_rank=PRIORITY_RANK[priority],
                    due_date=due,
                    tags=[],
                    created_at=stamp,
                    updated_at=stamp,
                )
            )


async def walk(client: httpx.AsyncClient, user: UserHandle, **params: Any) -> tuple[list[int], int]:
    """Follow the Link headers from the first page to the last; the ids seen and the number of pages."""
    seen: list[int] = []
    pages = 0
    response = await client.get("/tasks", params=params, headers=user.headers)
    while True:
        assert response.status_code == 200, response.text
        pages += 1
        seen.extend(task["id"] for task in response.json())
        link = response.headers.get("link")
        if link is None:
            return seen, pages
        match = LINK.match(link)
        assert match, link
        response = await client.get(match.group(1), headers=user.headers)


async def test_walking_every_sort_sees_each_task_exactly_once_in_order(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle, bob: UserHandle
) -> None:
    await insert_tasks(app, alice.id, 137)
    await insert_tasks(app, bob.id, 5, seed=8)
    everything = (await client.get("/tasks", params={"limit": 200}, headers=alice.headers)).json()
    assert len(everything) == 137
    assert len({task["created_at"] for task in everything}) == 1  # all tied on created_at
    for sort in ALL_SORTS:
        seen, pages = await walk(client, alice, sort=sort, limit=17)
        assert len(seen) == len(set(seen)) == 137, sort
        assert pages == 9, sort  # 8 full pages of 17 and one of 1
        assert seen == expected_order(everything, sort), sort
    # With a filter, pages walk the filtered set only.
    high = [task["id"] for task in everything if task["priority"] == "high"]
    seen, _ = await walk(client, alice, priority="high", sort="-due_date", limit=5)
    assert sorted(seen) == sorted(high) and len(seen) == len(set(seen))


async def test_link_header_keeps_the_query_and_is_absent_on_the_last_page(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    await insert_tasks(app, alice.id, 5)
    first = await client.get(
        "/tasks", params={"limit": 2, "sort": "-priority", "q": "a"}, headers=alice.headers
    )
    match = LINK.match(first.headers["link"])
    assert match
    url = httpx.URL(match.group(1))
    assert url.path == "/tasks"
    assert (url.params["limit"], url.params["sort"], url.params["q"]) == ("2", "-priority", "a")
    assert url.params["cursor"]
    exact = await client.get("/tasks", params={"limit": 5}, headers=alice.headers)
    assert len(exact.json()) == 5 and "link" not in exact.headers
    assert "link" not in (await client.get("/tasks", params={"limit": 6}, headers=alice.headers)).headers


async def test_pages_stay_consistent_when_tasks_change_between_requests(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle
) -> None:
    await insert_tasks(app, alice.id, 10)
    first = await client.get("/tasks", params={"limit": 4}, headers=alice.headers)
    first_ids = [task["id"] for task in first.json()]
    # The task the cursor points at is deleted, and a new one arrives.
    assert (await client.delete(f"/tasks/{first_ids[-1]}", headers=alice.headers)).status_code == 204
    newest = (await client.post("/tasks", json={"title": "new"}, headers=alice.headers)).json()["id"]
    match = LINK.match(first.headers["link"])
    assert match
    rest: list[int] = []
    response = await client.get(match.group(1), headers=alice.headers)
    while True:
        rest.extend(task["id"] for task in response.json())
        link = response.headers.get("link")
        if not link:
            break
        next_match = LINK.match(link)
        assert next_match
        response = await client.get(next_match.group(1), headers=alice.headers)
    assert not set(rest) & set(first_ids)
    assert len(first_ids) + len(rest) == 11
    assert rest[-1] == newest


def _cursor_of(response: httpx.Response) -> str:
    match = LINK.match(response.headers["link"])
    assert match
    return httpx.URL(match.group(1)).params["cursor"]


def _flip(text: str, index: int) -> str:
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


async def test_tampered_garbage_or_foreign_cursors_are_422(
    client: httpx.AsyncClient, app: FastAPI, alice: UserHandle, bob: UserHandle
) -> None:
    await insert_tasks(app, alice.id, 6)
    await insert_tasks(app, bob.id, 6)
    cursor = _cursor_of(await client.get("/tasks", params={"limit": 2}, headers=alice.headers))
    payload, mac = cursor.split(".")
    assert (
        await client.get("/tasks", params={"limit": 2, "cursor": cursor}, headers=alice.headers)
    ).status_code == 200

    forged_payload = base64.urlsafe_b64encode(b'[{"dt":"2000-01-01T00:00:00+00:00"},1]').decode().rstrip("=")
    bad_cursors = {
        "garbage": "garbage",
        "empty": "",
        "just a dot": ".",
        "payload only": payload,
        "payload altered": f"{_flip(payload, 3)}.{mac}",
        "mac altered": f"{payload}.{_flip(mac, 0)}",
        "mac dropped": f"{payload}.",
        "forged payload, old mac": f"{forged_payload}.{mac}",
        "not base64": "!!!.???",
        "non-ascii": "é.é",
        "too long": "A" * 5000,
        "json list": "WyJjcmVhdGVkX2F0IixbMSwyXSw1XQ",
    }
    for name, bad in bad_cursors.items():
        response = await client.get("/tasks", params={"limit": 2, "cursor": bad}, headers=alice.headers)
        assert response.status_code == 422, (name, response.text)
        assert response.json()["detail"][0]["loc"] == ["query", "cursor"], name

    # A genuine cursor taken to another query, or to another user, is refused too.
    for params in ({"sort": "-created_at"}, {"sort": "title"}, {"status": "pending"}, {"q": "alpha"}):
        response = await client.get(
            "/tasks", params={"limit": 2, "cursor": cursor, **params}, headers=alice.headers
        )
        assert response.status_code == 422, params
    stolen = await client.get("/tasks", params={"limit": 2, "cursor": cursor}, headers=bob.headers)
    assert stolen.status_code == 422


async def test_cursors_for_long_non_ascii_titles_fit_the_limit(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    for _ in range(3):
        await client.post("/tasks", json={"title": "终" * 200}, headers=alice.headers)
    seen, pages = await walk(client, alice, sort="title", limit=1)
    assert len(set(seen)) == 3 and pages == 3

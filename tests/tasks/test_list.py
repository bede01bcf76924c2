"""GET /tasks: the caller's tasks only; every filter; every sort; limit default 50 and at most 200."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import UserHandle
from tests.tasks.conftest import create

SORTS = ["created_at", "updated_at", "due_date", "priority", "title"]
PRIORITY_RANK = {"low": 0, "normal": 1, "high": 2, "urgent": 3}


async def ids(client: httpx.AsyncClient, user: UserHandle, **params: Any) -> list[int]:
    response = await client.get("/tasks", params=params, headers=user.headers)
    assert response.status_code == 200, (params, response.text)
    return [task["id"] for task in response.json()]


async def test_list_shows_only_the_callers_tasks(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    mine = [(await create(client, alice, title=f"mine {i}"))["id"] for i in range(3)]
    await create(client, bob, title="mine 0 too")
    assert await ids(client, alice) == mine
    assert len(await ids(client, bob)) == 1
    assert await ids(client, alice, q="mine") == mine


async def test_every_filter(client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle) -> None:
    report = await create(
        client,
        alice,
        title="Review the Q4 report",
        priority="high",
        tags=["work", "finance"],
        due_date="2026-12-01T09:00:00Z",
    )
    audit = await create(
        client,
        alice,
        title="Security audit",
        description="Check the 100% coverage_claim in REPORT.md",
        status="in_progress",
        tags=["work"],
        due_date="2026-12-15T09:00:00Z",
    )
    groceries = await create(
        client, alice, title="Groceries", priority="low", tags=["home"], status="completed"
    )
    step = await create(
        client, alice, title="Draft summary", parent_id=report["id"], due_date="2026-11-25T00:00:00Z"
    )
    bobs = await create(client, bob, title="Bob's report", tags=["work"], priority="high")

    assert await ids(client, alice, status="in_progress") == [audit["id"]]
    assert await ids(client, alice, status="completed") == [groceries["id"]]
    assert await ids(client, alice, status="pending") == [report["id"], step["id"]]
    assert await ids(client, alice, priority="high") == [report["id"]]
    assert await ids(client, alice, priority="low") == [groceries["id"]]
    assert await ids(client, alice, priority="urgent") == []
    assert await ids(client, alice, tag="work") == [report["id"], audit["id"]]
    assert await ids(client, alice, tag="finance") == [report["id"]]
    assert await ids(client, alice, tag="wor") == []  # a whole tag, not a substring
    assert await ids(client, alice, parent_id=report["id"]) == [step["id"]]
    assert await ids(client, alice, parent_id=bobs["id"]) == []
    assert await ids(client, alice, parent_id=2**40) == []
    # Strict bounds, compared in UTC whatever the offset given.
    assert await ids(client, alice, due_before="2026-12-01T09:00:00Z") == [step["id"]]
    assert await ids(client, alice, due_before="2026-12-01T10:00:01+01:00") == [report["id"], step["id"]]
    assert await ids(client, alice, due_after="2026-12-01T09:00:00Z") == [audit["id"]]
    assert await ids(client, alice, due_after="2026-11-01T00:00:00Z", due_before="2026-12-10T00:00:00Z") == [
        report["id"],
        step["id"],
    ]
    # Text search: title or description, any case; % and _ are plain characters.
    assert await ids(client, alice, q="report") == [report["id"], audit["id"]]
    assert await ids(client, alice, q="REVIEW") == [report["id"]]
    assert await ids(client, alice, q="100%") == [audit["id"]]
    assert await ids(client, alice, q="coverage_claim") == [audit["id"]]
    assert await ids(client, alice, q="%") == [audit["id"]]
    assert await ids(client, alice, q="_") == [audit["id"]]
    assert await ids(client, alice, q="nothing like this") == []
    # Filters combine.
    assert await ids(client, alice, tag="work", status="pending", q="q4") == [report["id"]]
    assert await ids(client, alice, tag="work", priority="low") == []


async def test_bad_filters_are_422(client: httpx.AsyncClient, alice: UserHandle) -> None:
    for params in (
        {"status": "done"},
        {"priority": "critical"},
        {"due_before": "2026-12-01T09:00:00"},  # no offset
        {"due_after": "2026-12-01"},
        {"due_before": "soon"},
        {"parent_id": "x"},
        {"sort": "owner_id"},
        {"sort": "+title"},
        {"q": "x" * 201},
        {"q": "a\x00b"},
        {"tag": "t" * 33},
        {"limit": 0},
        {"limit": 201},
        {"limit": -1},
        {"limit": "many"},
    ):
        response = await client.get("/tasks", params=params, headers=alice.headers)
        assert response.status_code == 422, (params, response.text)
        assert response.json()["detail"][0]["loc"][0] == "query"


async def test_limit_defaults_to_50_and_stops_at_200(
    client: httpx.AsyncClient, alice: UserHandle, app: Any
) -> None:
    from tests.tasks.test_pagination import insert_tasks

    await insert_tasks(app, alice.id, 201)
    default = await client.get("/tasks", headers=alice.headers)
    assert len(default.json()) == 50 and 'rel="next"' in default.headers["link"]
    assert len((await client.get("/tasks", params={"limit": 200}, headers=alice.headers)).json()) == 200
    assert len((await client.get("/tasks", params={"limit": 1}, headers=alice.headers)).json()) == 1
    assert (await client.get("/tasks", params={"limit": 201}, headers=alice.headers)).status_code == 422


def expected_order(tasks: list[dict[str, Any]], sort: str) -> list[int]:
    field = sort.lstrip("-")
    descending = sort.startswith("-")

    def key(task: dict[str, Any]) -> Any:
        if field == "priority":
            return PRIORITY_RANK[task["priority"]]
        return task[field]

    if field == "due_date":  # undated tasks last in both directions
        dated = sorted(
            (t for t in tasks if t["due_date"]), key=lambda t: (key(t), t["id"]), reverse=descending
        )
        undated = sorted((t for t in tasks if not t["due_date"]), key=lambda t: t["id"], reverse=descending)
        return [t["id"] for t in dated + undated]
    return [t["id"] for t in sorted(tasks, key=lambda t: (key(t), t["id"]), reverse=descending)]


async def test_every_sort(client: httpx.AsyncClient, alice: UserHandle) -> None:
    specs = [
        {"title": "banana", "priority": "low", "due_date": "2026-12-03T00:00:00Z"},
        {"title": "apple", "priority": "urgent"},
        {"title": "cherry", "priority": "high", "due_date": "2026-12-01T00:00:00Z"},
        {"title": "apple", "priority": "normal", "due_date": "2026-12-01T00:00:00Z"},
        {"title": "date", "priority": "high"},
        # Lower case only: how "Zebra" compares with "apple" is the database collation's business.
        {"title": "zebra", "priority": "normal", "due_date": "2027-01-01T00:00:00Z"},
    ]
    created = [await create(client, alice, **spec) for spec in specs]
    # Touch one task so updated_at differs from created_at order.
    await client.patch(f"/tasks/{created[0]['id']}", json={"description": "touched"}, headers=alice.headers)
    tasks = (await client.get("/tasks", headers=alice.headers)).json()
    for field in SORTS:
        for sort in (field, f"-{field}"):
            assert await ids(client, alice, sort=sort) == expected_order(tasks, sort), sort
    assert await ids(client, alice) == await ids(client, alice, sort="created_at")  # the default
    undated_last = await ids(client, alice, sort="-due_date")
    assert set(undated_last[-2:]) == {created[1]["id"], created[4]["id"]}

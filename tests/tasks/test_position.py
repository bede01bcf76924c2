"""Manual order: `position` on a task (lower first), new tasks last, `sort=position`, moves by PATCH."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import UserHandle
from tests.tasks.conftest import create, fetch
from tests.tasks.test_pagination import walk


async def listed(client: httpx.AsyncClient, user: UserHandle, sort: str = "position") -> list[str]:
    response = await client.get("/tasks", params={"sort": sort}, headers=user.headers)
    assert response.status_code == 200, response.text
    return [task["title"] for task in response.json()]


async def test_new_tasks_go_last_in_the_manual_order(client: httpx.AsyncClient, alice: UserHandle) -> None:
    first = await create(client, alice, title="first")
    second = await create(client, alice, title="second")
    placed = await create(client, alice, title="placed", position=-5)
    third = await create(client, alice, title="third")
    assert first["position"] == 1
    assert second["position"] == 2
    assert placed["position"] == -5
    assert third["position"] == 3  # after the highest, not after the newest
    assert await listed(client, alice) == ["placed", "first", "second", "third"]
    assert await listed(client, alice, "-position") == ["third", "second", "first", "placed"]


async def test_positions_are_per_user(client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle) -> None:
    await create(client, alice, title="a", position=100)
    assert (await create(client, bob, title="b"))["position"] == 1


async def test_moving_a_task_between_two_others(client: httpx.AsyncClient, alice: UserHandle) -> None:
    tasks = [await create(client, alice, title=title) for title in ("a", "b", "c", "d")]
    # Move d between a and b: a value between theirs, as a client computes it.
    between = (tasks[0]["position"] + tasks[1]["position"]) / 2
    before = (await fetch(client, alice, tasks[3]["id"])).headers["etag"]
    response = await client.patch(
        f"/tasks/{tasks[3]['id']}", json={"position": between}, headers=alice.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["position"] == between
    assert response.headers["etag"] != before  # a move is a write: stale ETags no longer match
    await create(client, alice, title="x")
    assert (await fetch(client, alice, tasks[3]["id"])).json()["position"] == between
    assert await listed(client, alice) == ["a", "d", "b", "c", "x"]
    # A move is not a change to the task: its trail has only the creation.
    history = (await client.get(f"/tasks/{tasks[3]['id']}/history", headers=alice.headers)).json()
    assert [entry["action"] for entry in history] == ["created"]
    assert "position" not in history[0]["changes"]


async def test_ties_are_ordered_by_id(client: httpx.AsyncClient, alice: UserHandle) -> None:
    ids = [(await create(client, alice, title=str(n), position=7))["id"] for n in range(3)]
    response = await client.get("/tasks", params={"sort": "position"}, headers=alice.headers)
    assert [task["id"] for task in response.json()] == ids


async def test_walking_the_manual_order_page_by_page(client: httpx.AsyncClient, alice: UserHandle) -> None:
    positions = [3.5, -1, 0.25, 3.5, 1e15, -1e15, 2, 0.25, 0.1 + 0.2, 1e-9, 3]
    ids = [(await create(client, alice, title=f"t{n}", position=p))["id"] for n, p in enumerate(positions)]
    expected = [task_id for _, task_id in sorted(zip(positions, ids, strict=True))]
    seen, pages = await walk(client, alice, sort="position", limit=2)
    assert seen == expected and pages == 6
    seen, _ = await walk(client, alice, sort="-position", limit=3)
    assert seen == expected[::-1]


BAD_POSITIONS: list[tuple[str, Any]] = [
    ('{"position": NaN}', "finite"),
    ('{"position": Infinity}', "finite"),
    ('{"position": -Infinity}', "finite"),
    ('{"position": 1e400}', "finite"),
    ('{"position": 1e16}', "less"),
    ('{"position": -1e16}', "greater"),
    ('{"position": "2"}', "number"),
    ('{"position": true}', "number"),
]


@pytest.mark.parametrize(("body", "message"), BAD_POSITIONS)
async def test_invalid_positions_are_422_and_change_nothing(
    client: httpx.AsyncClient, alice: UserHandle, body: str, message: str
) -> None:
    task = await create(client, alice, title="steady")
    headers = {**alice.headers, "Content-Type": "application/json"}
    response = await client.patch(f"/tasks/{task['id']}", content=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][:2] == ["body", "position"]
    assert message in response.json()["detail"][0]["msg"]
    assert (await fetch(client, alice, task["id"])).json() == task
    created = await client.post("/tasks", content=body.replace("{", '{"title": "t", '), headers=headers)
    assert created.status_code == 422, created.text
    assert [t["id"] for t in (await client.get("/tasks", headers=alice.headers)).json()] == [task["id"]]


async def test_null_position_is_refused_on_update(client: httpx.AsyncClient, alice: UserHandle) -> None:
    task = await create(client, alice)
    response = await client.patch(f"/tasks/{task['id']}", json={"position": None}, headers=alice.headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", "position"]


async def test_moving_another_users_or_a_missing_task_is_404(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    theirs = await create(client, bob, title="bob's", position=4)
    for task_id in (theirs["id"], theirs["id"] + 1000, 2**31):
        response = await client.patch(f"/tasks/{task_id}", json={"position": 1.5}, headers=alice.headers)
        assert response.status_code == 404, (task_id, response.text)
    assert (await fetch(client, bob, theirs["id"])).json()["position"] == 4


async def test_a_cursor_with_a_bad_position_is_refused(client: httpx.AsyncClient, alice: UserHandle) -> None:
    for n in range(3):
        await create(client, alice, title=str(n))
    first = await client.get("/tasks", params={"sort": "position", "limit": 1}, headers=alice.headers)
    cursor = first.headers["link"].split("cursor=")[1].split(">")[0]
    # A cursor made for another sort does not fit this one.
    other = await client.get("/tasks", params={"sort": "title", "limit": 1}, headers=alice.headers)
    other_cursor = other.headers["link"].split("cursor=")[1].split(">")[0]
    response = await client.get(
        "/tasks", params={"sort": "position", "limit": 1, "cursor": other_cursor}, headers=alice.headers
    )
    assert response.status_code == 422
    assert (
        await client.get(
            "/tasks", params={"sort": "position", "limit": 1, "cursor": cursor}, headers=alice.headers
        )
    ).status_code == 200

"""PUT and PATCH /tasks/{id}: a partial update of the fields given; If-Match; read-only fields; nulls;
completion stamps; parents and cycles."""

from __future__ import annotations

import asyncio
from datetime import datetime

import httpx
import pytest

from tests.conftest import UserHandle
from tests.tasks.conftest import create, fetch

METHODS = ["PATCH", "PUT"]


@pytest.mark.parametrize("method", METHODS)
async def test_only_the_given_fields_change(
    client: httpx.AsyncClient, alice: UserHandle, method: str
) -> None:
    task = await create(
        client,
        alice,
        title="Original",
        description="keep me",
        priority="high",
        tags=["a"],
        due_date="2026-12-01T00:00:00Z",
        estimate_minutes=30,
    )
    etag = (await fetch(client, alice, task["id"])).headers["etag"]
    response = await client.request(
        method, f"/tasks/{task['id']}", json={"title": " Renamed "}, headers=alice.headers
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["title"] == "Renamed"
    unchanged = {k: v for k, v in updated.items() if k not in ("title", "updated_at")}
    assert unchanged == {k: v for k, v in task.items() if k not in ("title", "updated_at")}
    assert datetime.fromisoformat(updated["updated_at"]) > datetime.fromisoformat(task["updated_at"])
    assert response.headers["etag"] != etag
    assert (await fetch(client, alice, task["id"])).json() == updated
    assert (await fetch(client, alice, task["id"])).headers["etag"] == response.headers["etag"]

    second = await client.request(
        method,
        f"/tasks/{task['id']}",
        json={"priority": "low", "tags": ["b", "c"], "estimate_minutes": 45, "status": "in_progress"},
        headers=alice.headers,
    )
    body = second.json()
    assert (body["priority"], body["tags"], body["estimate_minutes"], body["status"]) == (
        "low",
        ["b", "c"],
        45,
        "in_progress",
    )
    assert (body["title"], body["description"], body["due_date"]) == (
        "Renamed",
        "keep me",
        "2026-12-01T00:00:00Z",
    )


async def test_an_empty_update_changes_nothing(client: httpx.AsyncClient, alice: UserHandle) -> None:
    task = await create(client, alice)
    etag = (await fetch(client, alice, task["id"])).headers["etag"]
    response = await client.patch(f"/tasks/{task['id']}", json={}, headers=alice.headers)
    assert response.status_code == 200
    assert response.json() == task and response.headers["etag"] == etag


async def test_null_clears_optional_fields_and_is_refused_for_required_ones(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    parent = await create(client, alice, title="Parent")
    task = await create(
        client,
        alice,
        description="d",
        due_date="2026-12-01T00:00:00Z",
        parent_id=parent["id"],
        estimate_minutes=5,
    )
    for field in ("title", "status", "priority", "tags"):
        response = await client.patch(f"/tasks/{task['id']}", json={field: None}, headers=alice.headers)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["detail"][0]["loc"][:2] == ["body", field]
    assert (await fetch(client, alice, task["id"])).json() == task
    cleared = await client.patch(
        f"/tasks/{task['id']}",
        json={"description": None, "due_date": None, "parent_id": None, "estimate_minutes": None},
        headers=alice.headers,
    )
    assert cleared.status_code == 200
    body = cleared.json()
    assert body["description"] is body["due_date"] is body["parent_id"] is body["estimate_minutes"] is None


@pytest.mark.parametrize("method", METHODS)
async def test_read_only_unknown_and_invalid_fields_are_422(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle, method: str
) -> None:
    task = await create(client, alice)
    refused = [
        {"id": 999},
        {"owner_id": bob.id},
        {"created_at": "2020-01-01T00:00:00Z"},
        {"updated_at": "2020-01-01T00:00:00Z"},
        {"completed_at": "2020-01-01T00:00:00Z"},
        {"version": 1},
        {"unknown": "x"},
        {"title": "x" * 201},
        {"title": "   "},
        {"description": "d" * 10_001},
        {"due_date": "2026-12-01T00:00:00"},
        {"status": "done"},
        {"priority": "asap"},
        {"estimate_minutes": -5},
        {"title": "ok", "owner_id": bob.id},  # one bad field spoils the whole update
    ]
    for body in refused:
        response = await client.request(method, f"/tasks/{task['id']}", json=body, headers=alice.headers)
        assert response.status_code == 422, (body, response.text)
    assert (await fetch(client, alice, task["id"])).json() == task
    assert (await client.get("/tasks", headers=bob.headers)).json() == []


@pytest.mark.parametrize("method", METHODS)
async def test_if_match(client: httpx.AsyncClient, alice: UserHandle, method: str) -> None:
    task = await create(client, alice)
    url = f"/tasks/{task['id']}"
    first_etag = (await fetch(client, alice, task["id"])).headers["etag"]

    ok = await client.request(
        method, url, json={"title": "v2"}, headers={**alice.headers, "If-Match": first_etag}
    )
    assert ok.status_code == 200
    current = ok.headers["etag"]

    stale = await client.request(
        method, url, json={"title": "v3"}, headers={**alice.headers, "If-Match": first_etag}
    )
    assert stale.status_code == 412
    assert stale.json() == {"detail": "The task changed since you read it; fetch it again"}
    assert (await fetch(client, alice, task["id"])).json()["title"] == "v2"
    for bad in ('"nonsense"', "nonsense", '""', f'"{task["id"]}-999"'):
        response = await client.request(
            method, url, json={"title": "x"}, headers={**alice.headers, "If-Match": bad}
        )
        assert response.status_code == 412, bad

    for pattern in ("{}", "W/{}", '"other", {}', "*"):
        accepted = pattern.format(current)
        response = await client.request(
            method, url, json={"title": "again"}, headers={**alice.headers, "If-Match": accepted}
        )
        assert response.status_code == 200, accepted
        current = response.headers["etag"]


async def test_simultaneous_updates_with_one_etag_let_exactly_one_through(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create(client, alice)
    etag = (await fetch(client, alice, task["id"])).headers["etag"]
    responses = await asyncio.gather(
        *(
            client.patch(
                f"/tasks/{task['id']}",
                json={"title": f"writer {i}"},
                headers={**alice.headers, "If-Match": etag},
            )
            for i in range(4)
        )
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 412, 412, 412], [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json()["title"]
    assert (await fetch(client, alice, task["id"])).json()["title"] == winner


async def test_completing_stamps_completed_at_and_reopening_clears_it(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create(client, alice)
    url = f"/tasks/{task['id']}"
    done = (await client.patch(url, json={"status": "completed"}, headers=alice.headers)).json()
    assert done["completed_at"] is not None
    assert done["completed_at"].endswith("Z")
    assert datetime.fromisoformat(done["completed_at"]) >= datetime.fromisoformat(task["created_at"])
    # Completing again (or editing a completed task) keeps the first stamp.
    again = (await client.put(url, json={"status": "completed", "title": "t2"}, headers=alice.headers)).json()
    assert again["completed_at"] == done["completed_at"]
    for status in ("pending", "in_progress"):
        await client.patch(url, json={"status": "completed"}, headers=alice.headers)
        reopened = (await client.patch(url, json={"status": status}, headers=alice.headers)).json()
        assert reopened["completed_at"] is None, status
    assert (await fetch(client, alice, task["id"])).json()["completed_at"] is None


async def test_priority_changes_move_the_task_in_priority_order(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    low = await create(client, alice, priority="low")
    high = await create(client, alice, priority="high")
    order = [t["id"] for t in (await client.get("/tasks?sort=-priority", headers=alice.headers)).json()]
    assert order == [high["id"], low["id"]]
    await client.patch(f"/tasks/{low['id']}", json={"priority": "urgent"}, headers=alice.headers)
    order = [t["id"] for t in (await client.get("/tasks?sort=-priority", headers=alice.headers)).json()]
    assert order == [low["id"], high["id"]]


async def test_parents_must_be_the_callers_and_cycles_are_refused(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    root = await create(client, alice, title="root")
    child = await create(client, alice, title="child", parent_id=root["id"])
    grandchild = await create(client, alice, title="grandchild", parent_id=child["id"])
    other = await create(client, alice, title="other")
    bobs = await create(client, bob, title="bob's")
    missing_id = bobs["id"] + 1000

    def url(task: dict[str, object]) -> str:
        return f"/tasks/{task['id']}"

    foreign = await client.patch(url(other), json={"parent_id": bobs["id"]}, headers=alice.headers)
    missing = await client.patch(url(other), json={"parent_id": missing_id}, headers=alice.headers)
    assert foreign.status_code == missing.status_code == 422
    assert foreign.text.replace(str(bobs["id"]), "N") == missing.text.replace(str(missing_id), "N")

    for task, parent in ((root, root), (root, child), (root, grandchild), (child, grandchild)):
        response = await client.patch(url(task), json={"parent_id": parent["id"]}, headers=alice.headers)
        assert response.status_code == 422, (task["title"], parent["title"])
        assert response.json()["detail"][0]["loc"] == ["body", "parent_id"]

    moved = await client.patch(url(grandchild), json={"parent_id": other["id"]}, headers=alice.headers)
    assert moved.status_code == 200 and moved.json()["parent_id"] == other["id"]
    # Now root -> child and other -> grandchild: child under grandchild is no cycle.
    assert (
        await client.patch(url(child), json={"parent_id": grandchild["id"]}, headers=alice.headers)
    ).status_code == 200
    assert (await fetch(client, bob, bobs["id"])).json() == bobs


async def test_simultaneous_updates_without_if_match_all_succeed(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    """Without If-Match the last writer wins: no request fails because another wrote at the same moment."""
    task = await create(client, alice)
    first_etag = (await fetch(client, alice, task["id"])).headers["etag"]
    responses = await asyncio.gather(
        *(
            client.patch(f"/tasks/{task['id']}", json={"title": f"writer {i}"}, headers=alice.headers)
            for i in range(5)
        )
    )
    assert [r.status_code for r in responses] == [200] * 5, [r.text for r in responses]
    etags = {r.headers["etag"] for r in responses}
    assert len(etags) == 5 and first_etag not in etags  # each write saw the one before it
    final = await fetch(client, alice, task["id"])
    assert final.json()["title"] in {f"writer {i}" for i in range(5)}

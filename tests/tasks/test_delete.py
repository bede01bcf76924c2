"""DELETE /tasks/{id}: 204, then 404; If-Match; subtasks go with their parent."""

from __future__ import annotations

import httpx

from tests.conftest import UserHandle
from tests.tasks.conftest import create, fetch


async def test_delete_then_404(client: httpx.AsyncClient, alice: UserHandle) -> None:
    task = await create(client, alice)
    keep = await create(client, alice, title="keep")
    response = await client.delete(f"/tasks/{task['id']}", headers=alice.headers)
    assert response.status_code == 204 and response.content == b""
    assert (await fetch(client, alice, task["id"])).status_code == 404
    again = await client.delete(f"/tasks/{task['id']}", headers=alice.headers)
    assert again.status_code == 404 and again.json() == {"detail": f"Task {task['id']} not found"}
    assert [t["id"] for t in (await client.get("/tasks", headers=alice.headers)).json()] == [keep["id"]]


async def test_delete_with_if_match(client: httpx.AsyncClient, alice: UserHandle) -> None:
    task = await create(client, alice)
    url = f"/tasks/{task['id']}"
    old = (await fetch(client, alice, task["id"])).headers["etag"]
    await client.patch(url, json={"title": "changed"}, headers=alice.headers)
    stale = await client.delete(url, headers={**alice.headers, "If-Match": old})
    assert stale.status_code == 412
    assert (await fetch(client, alice, task["id"])).status_code == 200
    current = (await fetch(client, alice, task["id"])).headers["etag"]
    assert (await client.delete(url, headers={**alice.headers, "If-Match": current})).status_code == 204
    other = await create(client, alice)
    assert (
        await client.delete(f"/tasks/{other['id']}", headers={**alice.headers, "If-Match": "*"})
    ).status_code == 204


async def test_deleting_a_parent_deletes_its_subtasks(client: httpx.AsyncClient, alice: UserHandle) -> None:
    parent = await create(client, alice, title="parent")
    child = await create(client, alice, title="child", parent_id=parent["id"])
    grandchild = await create(client, alice, title="grandchild", parent_id=child["id"])
    sibling = await create(client, alice, title="sibling")
    assert (await client.delete(f"/tasks/{parent['id']}", headers=alice.headers)).status_code == 204
    for gone in (child, grandchild):
        assert (await fetch(client, alice, gone["id"])).status_code == 404
    assert [t["id"] for t in (await client.get("/tasks", headers=alice.headers)).json()] == [sibling["id"]]

"""Another user's task is, on every endpoint, exactly a missing task: 404 with the same body, and the task
is left as it was."""

from __future__ import annotations

import httpx

from tests.conftest import UserHandle
from tests.tasks.conftest import create, fetch


async def test_foreign_ids_are_404_exactly_like_missing_ids_on_every_endpoint(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    bobs = await create(client, bob, title="Bob's secret", description="private", tags=["b"])
    bobs_etag = (await fetch(client, bob, bobs["id"])).headers["etag"]
    missing_id = bobs["id"] + 1000
    calls = [
        ("GET", None, {}),
        ("PATCH", {"title": "pwned"}, {}),
        ("PUT", {"title": "pwned"}, {}),
        ("PATCH", {"status": "completed"}, {"If-Match": "*"}),
        ("PUT", {"title": "pwned"}, {"If-Match": bobs_etag}),
        ("DELETE", None, {}),
        ("DELETE", None, {"If-Match": bobs_etag}),
        ("DELETE", None, {"If-Match": '"stale"'}),
    ]
    for method, body, extra in calls:
        headers = {**alice.headers, **extra}
        foreign = await client.request(method, f"/tasks/{bobs['id']}", json=body, headers=headers)
        missing = await client.request(method, f"/tasks/{missing_id}", json=body, headers=headers)
        assert foreign.status_code == missing.status_code == 404, (method, extra, foreign.text)
        assert foreign.json() == {"detail": f"Task {bobs['id']} not found"}
        assert missing.json() == {"detail": f"Task {missing_id} not found"}
        assert "etag" not in foreign.headers
        assert set(foreign.headers) == set(missing.headers), (method, extra)

    after = await fetch(client, bob, bobs["id"])
    assert after.status_code == 200
    assert after.json() == bobs
    assert after.headers["etag"] == bobs_etag
    assert (await client.get("/tasks", headers=alice.headers)).json() == []


async def test_ids_that_cannot_exist(client: httpx.AsyncClient, alice: UserHandle) -> None:
    for task_id in (0, -1, 2**31, 2**63, 10**30):
        for method in ("GET", "PATCH", "PUT", "DELETE"):
            body = {"title": "x"} if method in ("PATCH", "PUT") else None
            response = await client.request(method, f"/tasks/{task_id}", json=body, headers=alice.headers)
            assert response.status_code == 404, (task_id, method, response.text)
    # a path that is not a number names no task either: 404, and never the PUT of `/tasks/{id}` for
    # `/tasks/export.csv` (405 there)
    assert (await client.get("/tasks/abc", headers=alice.headers)).status_code == 404
    put_export = await client.put("/tasks/export.csv", json={"title": "x"}, headers=alice.headers)
    assert put_export.status_code == 405


async def test_every_task_endpoint_needs_a_token(client: httpx.AsyncClient, alice: UserHandle) -> None:
    task = await create(client, alice)
    for method, path in (
        ("GET", "/tasks"),
        ("POST", "/tasks"),
        ("GET", f"/tasks/{task['id']}"),
        ("PATCH", f"/tasks/{task['id']}"),
        ("PUT", f"/tasks/{task['id']}"),
        ("DELETE", f"/tasks/{task['id']}"),
    ):
        response = await client.request(method, path, json={"title": "x"} if method != "GET" else None)
        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"] == "Bearer"
    assert (await fetch(client, alice, task["id"])).json() == task

from __future__ import annotations

import httpx

from tests.conftest import UserHandle


async def test_health_reports_database_and_version(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["version"]


async def test_task_round_trip(client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle) -> None:
    created = await client.post(
        "/tasks", json={"title": "  Review Q4  ", "tags": ["a", "a"]}, headers=alice.headers
    )
    assert created.status_code == 201, created.text
    task = created.json()
    assert task["title"] == "Review Q4" and task["tags"] == ["a"]
    assert created.headers["location"] == f"/tasks/{task['id']}"
    listed = await client.get("/tasks", params={"tag": "a"}, headers=alice.headers)
    assert [t["id"] for t in listed.json()] == [task["id"]]
    assert (await client.get(f"/tasks/{task['id']}", headers=bob.headers)).status_code == 404

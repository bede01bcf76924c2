"""Nothing of the request's Host header comes back: the list's `Link` is a relative reference, and a path
with a trailing slash is a 404 rather than Starlette's redirect to an absolute URL built from that header."""

from __future__ import annotations

import httpx

from tests.conftest import UserHandle

EVIL = {"Host": "evil.example"}


async def test_the_next_page_link_is_relative(client: httpx.AsyncClient, alice: UserHandle) -> None:
    for number in range(3):
        created = await client.post("/tasks", json={"title": f"t{number}"}, headers=alice.headers)
        assert created.status_code == 201, created.text
    first = await client.get("/tasks", params={"limit": 2}, headers={**alice.headers, **EVIL})
    assert first.status_code == 200, first.text
    link = first.headers["link"]
    assert link.startswith("</tasks?") and link.endswith('>; rel="next"'), link
    assert "evil" not in link and "limit=2" in link
    second = await client.get(link[1 : link.index(">")], headers=alice.headers)
    assert second.status_code == 200 and len(second.json()) == 1
    assert "link" not in second.headers


async def test_a_trailing_slash_is_not_redirected_to_the_callers_host(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    for path in ("/tasks/", "/users/me/", "/health/"):
        response = await client.get(path, headers={**alice.headers, **EVIL})
        assert response.status_code == 404, (path, response.text)
        assert "location" not in response.headers
    root = await client.get("/", headers=EVIL)
    assert root.headers.get("location", "/app").startswith("/"), root.headers

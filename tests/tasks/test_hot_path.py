"""`TaskReadFastPath`: GET /tasks/{id} for a verified caller's own task answered in front of the app, with
exactly the route's answer; every other request (and every error) left to the route."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import jwt
from fastapi import FastAPI

from taskagent.auth.dependencies import SESSION_COOKIE
from taskagent.config import Settings
from taskagent.security import SECURITY_HEADERS
from taskagent.tasks.hot_path import TaskReadFastPath
from tests.conftest import UserHandle, signed_in_session
from tests.tasks.conftest import create, fetch


def fast_path(app: FastAPI) -> TaskReadFastPath:
    layer = app.middleware_stack
    while not isinstance(layer, TaskReadFastPath):
        assert layer is not None, "TaskReadFastPath is not in the middleware stack"
        layer = getattr(layer, "app", None)
    return layer


class Served:
    """How many requests the fast path answered since the last look."""

    def __init__(self, app: FastAPI) -> None:
        self.path = fast_path(app)
        self.seen = self.path.served

    def __call__(self) -> int:
        count, self.seen = self.path.served - self.seen, self.path.served
        return count


def raw(response: httpx.Response) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    return response.status_code, list(response.headers.raw), response.content


async def test_the_fast_answer_is_the_routes_answer_byte_for_byte(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create(
        client, alice, title="Relire le rapport — 📊", tags=["q4"], due_date="2026-12-04T17:30:00Z"
    )
    served = Served(app)
    fast = await fetch(client, alice, task["id"])
    assert served() == 1
    # `/tasks/0<id>` is the same task to FastAPI, but not a form the fast path takes: the route answers.
    routed = await client.get(f"/tasks/0{task['id']}", headers=alice.headers)
    assert served() == 0
    assert raw(fast) == raw(routed)
    assert fast.status_code == 200 and fast.json() == task
    own = [name for name, _ in fast.headers.raw if name not in dict(SECURITY_HEADERS)]
    assert own == [b"etag", b"content-length", b"content-type"]


async def test_a_token_is_served_fast_only_once_the_route_has_verified_it(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, settings: Settings
) -> None:
    task = await create(client, alice)
    now = datetime.now(UTC)
    claims = {"sub": str(alice.id), "iat": now, "exp": now + timedelta(minutes=5), "typ": "access"}
    claims |= {"iss": settings.jwt_issuer, "aud": settings.jwt_audience}
    fresh = jwt.encode(claims, settings.jwt_secret, algorithm="HS256")  # a token this worker never saw
    assert fresh != alice.token
    headers = {"Authorization": f"Bearer {fresh}"}
    served = Served(app)
    first = await client.get(f"/tasks/{task['id']}", headers=headers)
    second = await client.get(f"/tasks/{task['id']}", headers=headers)
    assert first.status_code == second.status_code == 200 and first.json() == second.json() == task
    assert served() == 1  # the second


async def test_what_the_fast_path_cannot_vouch_for_gets_the_routes_answer(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle, settings: Settings
) -> None:
    task = await create(client, alice)
    bobs = await create(client, bob)
    await fetch(client, bob, bobs["id"])  # Bob's token and id are now known to this worker too
    served = Served(app)
    task_url = f"/tasks/{task['id']}"

    foreign = await fetch(client, bob, task["id"])
    missing = await fetch(client, alice, bobs["id"] + 1000)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == {"detail": f"Task {task['id']} not found"}

    forged = alice.token[:-2] + ("AA" if not alice.token.endswith("AA") else "BB")
    refused = [
        await client.get(task_url),
        await client.get(task_url, headers={"Authorization": f"Bearer {forged}"}),
        await client.get(task_url, headers={"Authorization": f"Basic {alice.token}"}),
    ]
    assert [response.status_code for response in refused] == [401, 401, 401]
    assert all(response.headers["www-authenticate"] == "Bearer" for response in refused)

    for path, status in [
        (f"/tasks/{task['id']}x", 422),
        ("/tasks/abc", 422),
        ("/tasks/٣", 422),  # an Arabic-Indic digit: str.isdigit() says yes, the route does not
        (f"/tasks/{2**63}", 404),
        ("/tasks/99999999999999999999999", 404),
    ]:
        response = await client.get(path, headers=alice.headers)
        assert response.status_code == status, (path, response.text)

    # The route's own forms of the same request still work: another scheme spelling, a cookie session.
    lower = await client.get(task_url, headers={"Authorization": f"bearer {alice.token}"})
    session = (await signed_in_session(app, settings, alice.id)).token
    by_cookie = await client.get(task_url, headers={"Cookie": f"{SESSION_COOKIE}={session}"})
    assert lower.json() == by_cookie.json() == task
    assert (await client.head(task_url, headers=alice.headers)).status_code == 405
    assert served() == 1  # only the lower-case `bearer`, which is the same check


async def test_a_user_not_seen_lately_is_checked_by_the_route(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle
) -> None:
    task = await create(client, alice)
    app.state.known_users.forget(alice.id)
    served = Served(app)
    assert (await fetch(client, alice, task["id"])).json() == task
    assert (await fetch(client, alice, task["id"])).json() == task
    assert served() == 1  # the route looked the user up first, then the fast path could answer

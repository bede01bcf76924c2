"""Every route the app registers refuses a missing or forged credential with 401, except an explicit list.

The walk reads `app.routes` (every method of every route, the built web page's routes included), so a
route added tomorrow is checked tomorrow: an unprotected one fails this test until it is either
protected or added to PUBLIC below, on purpose.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

from taskagent import app as app_module
from taskagent import web
from taskagent.app import create_app
from taskagent.auth import tokens
from taskagent.auth.dependencies import SESSION_COOKIE
from taskagent.config import Settings
from tests.conftest import TEST_SECRET, UserFactory

# (method, path template) pairs anyone may call; "*" stands for every method of the path.
PUBLIC: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/health"),
        ("POST", "/users/signup"),
        ("POST", "/token"),
        ("POST", "/auth/login"),
        ("POST", "/auth/logout"),
        ("GET", "/agents/status"),
        # The calendar feed: its secret address is its credential (tests/calendar/ checks unknown ones 404)
        ("GET", "/calendar/{secret}"),
        # RFC 9728: how to authenticate to /mcp, public by definition
        ("*", "/.well-known/oauth-protected-resource/mcp"),
        # FastAPI's documentation
        ("*", "/openapi.json"),
        ("*", "/docs"),
        ("*", "/docs/oauth2-redirect"),
        ("*", "/redoc"),
        # The built web page: it signs in by itself, through the API
        ("GET", "/"),
        ("GET", "/app"),
        ("GET", "/app/{path:path}"),
        ("*", "/assets"),
    }
)
# Loose files of the web build, served at the top level (see taskagent.web); the fake build has these.
WEB_FILES = ("favicon.svg", "robots.txt")


@pytest.fixture
def web_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in for the built frontend, so its routes are registered (and walked) in every run."""
    build = tmp_path / "web"
    (build / "assets").mkdir(parents=True)
    (build / "index.html").write_text("<!doctype html><title>TaskAgent</title>")
    (build / "assets" / "index.js").write_text("console.log('hi')")
    for name in WEB_FILES:
        (build / name).write_text(name)
    monkeypatch.setattr(app_module, "mount_frontend", lambda app: web.mount_frontend(app, build))
    return build


@pytest.fixture
async def walked_app(settings: Settings, web_build: Path) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def walk_client(walked_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=walked_app, client=("203.0.113.20", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def _public(method: str, path: str) -> bool:
    if ("*", path) in PUBLIC or (method, path) in PUBLIC:
        return True
    return method in {"GET", "HEAD"} and path.lstrip("/") in WEB_FILES


def endpoints(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path template) the app answers, in matching order.

    FastAPI 0.165 keeps included routers as `_IncludedRouter` entries; `iter_route_contexts` flattens
    them (with their prefixes) as the router itself does when it matches a request.
    """
    found: list[tuple[str, str]] = []
    routes: list[BaseRoute] = [*app.routes, *getattr(app.router, "_low_priority_routes", [])]
    for context in iter_route_contexts(routes):
        route, path = context.original_route, context.path
        if isinstance(route, WebSocketRoute):
            raise AssertionError(f"websocket route {path}: add its authentication check here")
        if path is None:
            raise AssertionError(f"a route without a path: {route!r}: teach this test about it")
        if isinstance(route, Mount):
            found.append(("*", path))  # a mounted app (static files) is public or not as a whole
        elif isinstance(route, APIRoute | Route):
            found.extend((method, path) for method in sorted(context.methods or {"GET"}))
        else:
            raise AssertionError(f"unknown kind of route {route!r}: teach this test about it")
    return found


def concrete(path: str) -> str:
    """A URL for a path template: every parameter filled with a plausible value."""
    return re.sub(r"\{([^}:]+)(:[^}]+)?\}", lambda m: "x/y" if m.group(2) == ":path" else "1", path)


def _claims(user_id: int, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "iss": "taskagent",
        "aud": "taskagent",
        "typ": "access",
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def forgeries(user_id: int, settings: Settings) -> dict[str, Callable[[], dict[str, str]]]:
    """Ways to present a credential that must not work, as request headers."""

    def bearer(token: str) -> Callable[[], dict[str, str]]:
        return lambda: {"Authorization": f"Bearer {token}"}

    def cookie(token: str) -> Callable[[], dict[str, str]]:
        return lambda: {"Cookie": f"{SESSION_COOKIE}={token}", "X-CSRF-Token": "anything"}

    secret = settings.jwt_secret
    past = datetime.now(UTC) - timedelta(hours=2)
    other_key = "another-secret-key-that-is-long-enough-for-hs256-000000"
    session = tokens.issue(settings, user_id, "session", session_id="a-session")
    return {
        "no credentials": lambda: {},
        "empty bearer": lambda: {"Authorization": "Bearer "},
        "not a jwt": bearer("not-a-jwt"),
        "signed with another key": bearer(jwt.encode(_claims(user_id), other_key, algorithm="HS256")),
        "alg none": bearer(jwt.encode(_claims(user_id), "", algorithm="none")),
        "expired": bearer(jwt.encode(_claims(user_id, iat=past, exp=past + timedelta(minutes=30)), secret)),
        "wrong audience": bearer(jwt.encode(_claims(user_id, aud="someone-else"), secret)),
        "wrong issuer": bearer(jwt.encode(_claims(user_id, iss="someone-else"), secret)),
        "no expiry": bearer(jwt.encode(_claims(user_id, exp=None), secret)),
        "session token as bearer": bearer(session.token),
        "user that does not exist": bearer(tokens.issue(settings, 2_000_000_000, "access").token),
        "forged session cookie": cookie(jwt.encode(_claims(user_id, typ="session"), other_key)),
        "access token as session cookie": cookie(tokens.issue(settings, user_id, "access").token),
    }


async def test_every_route_refuses_missing_and_forged_credentials(
    walked_app: FastAPI, walk_client: httpx.AsyncClient, settings: Settings, make_user: UserFactory
) -> None:
    assert settings.jwt_secret == TEST_SECRET
    user = await make_user(f"walker-{uuid.uuid4().hex[:8]}@example.com")
    routes = endpoints(walked_app)
    registered = set(routes)
    stale = {entry for entry in PUBLIC if entry not in registered and entry[0] != "*"}
    stale |= {entry for entry in PUBLIC if entry[0] == "*" and not any(p == entry[1] for _, p in routes)}
    assert not stale, f"PUBLIC names routes the app no longer has: {sorted(stale)}"

    protected = [(method, path) for method, path in routes if not _public(method, path)]
    assert ("GET", "/tasks") in protected and ("POST", "/tasks/{task_id:int}/help") in protected
    problems: list[str] = []
    for method, path in protected:
        assert method != "*", f"a mounted app at {path} is neither public nor checked"
        url = concrete(path)
        for name, credential in forgeries(user.id, settings).items():
            headers: dict[str, str] = credential()
            # A valid body where one may be read: the refusal must come from authentication, not validation.
            body = b"{}" if method in {"POST", "PUT", "PATCH"} else None
            if body is not None:
                headers = {**headers, "Content-Type": "application/json"}
            response = await walk_client.request(method, url, headers=headers, content=body)
            if response.status_code != 401:
                problems.append(f"{method} {path} with {name}: {response.status_code} {response.text[:120]}")
            elif response.headers.get("www-authenticate", "").split(" ")[0] != "Bearer":
                problems.append(f"{method} {path} with {name}: 401 without WWW-Authenticate: Bearer")
    assert not problems, "routes that did not refuse a bad credential with 401:\n" + "\n".join(problems)


async def test_the_walk_sees_a_new_unprotected_route(walked_app: FastAPI) -> None:
    """The check above is only as good as its walk: a route added at run time shows up as unprotected."""

    @walked_app.get("/tasks/{task_id}/leak")
    async def leak(task_id: int) -> dict[str, int]:
        return {"task_id": task_id}

    unprotected = [entry for entry in endpoints(walked_app) if not _public(*entry)]
    assert ("GET", "/tasks/{task_id}/leak") in unprotected
    assert concrete("/tasks/{task_id}/leak") == "/tasks/1/leak"
    assert concrete("/app/{path:path}") == "/app/x/y"

"""The web page's session: POST /auth/login sets an httpOnly, SameSite=Strict session cookie and a readable
CSRF cookie; cookie-authenticated writes need the X-CSRF-Token header; POST /auth/logout clears both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from taskagent.auth import tokens
from taskagent.config import Settings
from taskagent.resources import app_resources
from tests.auth.conftest import PASSWORD, Account, AccountFactory

SESSION = "taskagent_session"
CSRF = "taskagent_csrf"


def set_cookies(response: httpx.Response) -> dict[str, dict[str, Any]]:
    """Each Set-Cookie of the response: {name: {"value": ..., attribute: value or True}}."""
    cookies: dict[str, dict[str, Any]] = {}
    for header in response.headers.get_list("set-cookie"):
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(header)
        for name, morsel in parsed.items():
            attributes = {key: morsel[key] for key in morsel if morsel[key] not in ("", False)}
            cookies[name] = {"value": morsel.value, **attributes, "raw": header}
    return cookies


async def login(client: httpx.AsyncClient, account: Account) -> httpx.Response:
    response = await client.post("/auth/login", json={"email": account.email, "password": account.password})
    assert response.status_code == 200, response.text
    return response


@pytest.fixture
async def https_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
        yield http


async def test_login_sets_the_session_and_csrf_cookies(
    client: httpx.AsyncClient, make_account: AccountFactory
) -> None:
    account = await make_account()
    response = await login(client, account)
    body = response.json()
    assert set(body) == {"user", "csrf_token", "expires_in"}
    assert body["user"]["id"] == account.id and set(body["user"]) == {
        "id",
        "email",
        "timezone",
        "created_at",
        "notify_web",
        "notify_email",
    }

    cookies = set_cookies(response)
    session, csrf = cookies[SESSION], cookies[CSRF]
    assert session["httponly"] is True
    assert "httponly" not in csrf  # the page reads it to echo it
    for cookie in (session, csrf):
        assert cookie["samesite"].lower() == "strict"
        assert cookie["path"] == "/"
        assert int(cookie["max-age"]) == body["expires_in"] == 7 * 24 * 3600
        assert "secure" not in cookie, "plain http: a Secure cookie would never come back"
    assert csrf["value"] == body["csrf_token"]
    assert tokens.verify(
        Settings(_env_file=None, secret_key=client_secret(client)), session["value"], "session"
    )


def client_secret(client: httpx.AsyncClient) -> str:
    transport: Any = client._transport
    settings: Settings = app_resources(transport.app).settings
    return settings.jwt_secret


async def test_cookies_are_secure_over_https(
    https_client: httpx.AsyncClient, make_account: AccountFactory
) -> None:
    account = await make_account()
    response = await login(https_client, account)
    cookies = set_cookies(response)
    assert cookies[SESSION]["secure"] is True and cookies[CSRF]["secure"] is True
    # And the cookie session works over https.
    me = await https_client.get("/users/me")
    assert me.status_code == 200 and me.json()["id"] == account.id
    logout = await https_client.post("/auth/logout")
    assert all(cookie["secure"] is True for cookie in set_cookies(logout).values())


async def test_cookie_session_reads_without_csrf_and_writes_only_with_it(
    client: httpx.AsyncClient, make_account: AccountFactory
) -> None:
    account = await make_account()
    csrf = (await login(client, account)).json()["csrf_token"]
    assert client.cookies.get(CSRF) == csrf

    me = await client.get("/users/me")
    assert me.status_code == 200 and me.json()["id"] == account.id
    assert (await client.get("/tasks")).status_code == 200

    # Writes without the header, or with a wrong one, are refused before anything changes.
    wrong_headers: list[dict[str, str]] = [
        {},
        {"X-CSRF-Token": ""},
        {"X-CSRF-Token": csrf + "x"},
        {"X-CSRF-Token": csrf[:-1]},
    ]
    for headers in wrong_headers:
        assert (await client.post("/tasks", json={"title": "t"}, headers=headers)).status_code == 403, headers
        assert (
            await client.patch("/users/me", json={"timezone": "Asia/Tokyo"}, headers=headers)
        ).status_code == 403
    # A header with bytes outside ASCII is a 403 too, not a 500.
    latin1 = await client.post("/tasks", json={"title": "t"}, headers=[(b"X-CSRF-Token", b"caf\xe9")])
    assert latin1.status_code == 403
    assert (await client.get("/tasks")).json() == []
    assert (await client.get("/users/me")).json()["timezone"] == "UTC"

    ok = {"X-CSRF-Token": csrf}
    created = await client.post("/tasks", json={"title": "with csrf"}, headers=ok)
    assert created.status_code == 201, created.text
    task_id = created.json()["id"]
    for method in ("PATCH", "PUT"):
        refused = await client.request(method, f"/tasks/{task_id}", json={"priority": "high"})
        assert refused.status_code == 403
        done = await client.request(method, f"/tasks/{task_id}", json={"priority": "high"}, headers=ok)
        assert done.status_code == 200
    assert (await client.patch("/users/me", json={"timezone": "Asia/Tokyo"}, headers=ok)).status_code == 200
    assert (await client.delete(f"/tasks/{task_id}")).status_code == 403
    assert (await client.get(f"/tasks/{task_id}")).status_code == 200
    assert (await client.delete(f"/tasks/{task_id}", headers=ok)).status_code == 204


async def test_the_csrf_token_of_another_session_does_not_work(
    client: httpx.AsyncClient, app: FastAPI, make_account: AccountFactory
) -> None:
    account = await make_account()
    first_csrf = (await login(client, account)).json()["csrf_token"]
    second_csrf = (await login(client, account)).json()["csrf_token"]  # replaces the cookies
    assert first_csrf != second_csrf
    assert (
        await client.post("/tasks", json={"title": "t"}, headers={"X-CSRF-Token": first_csrf})
    ).status_code == 403
    assert (
        await client.post("/tasks", json={"title": "t"}, headers={"X-CSRF-Token": second_csrf})
    ).status_code == 201


async def test_bearer_requests_need_no_csrf_header(
    client: httpx.AsyncClient, make_account: AccountFactory
) -> None:
    account = await make_account()
    assert (await client.post("/tasks", json={"title": "t"}, headers=account.headers)).status_code == 201


async def test_logout_clears_the_cookies(client: httpx.AsyncClient, make_account: AccountFactory) -> None:
    account = await make_account()
    await login(client, account)
    response = await client.post("/auth/logout")
    assert response.status_code == 204
    cookies = set_cookies(response)
    assert set(cookies) == {SESSION, CSRF}
    for cookie in cookies.values():
        assert cookie["value"] == ""
        assert int(cookie["max-age"]) == 0
        assert cookie["path"] == "/"
        assert cookie["samesite"].lower() == "strict"
    assert cookies[SESSION]["httponly"] is True
    assert not client.cookies
    me = await client.get("/users/me")
    assert me.status_code == 401 and me.headers["www-authenticate"] == "Bearer"


async def test_bad_credentials_at_login_set_no_cookie(
    client: httpx.AsyncClient, make_account: AccountFactory
) -> None:
    account = await make_account()
    for body in (
        {"email": account.email, "password": "wrong password"},
        {"email": "x@example.com", "password": PASSWORD},
    ):
        response = await client.post("/auth/login", json=body)
        assert response.status_code == 401
        assert response.json() == {"detail": "Incorrect email or password"}
        assert response.headers["www-authenticate"] == "Bearer"
        assert "set-cookie" not in response.headers
    assert (await client.post("/auth/login", json={"email": account.email})).status_code == 422


async def test_cookies_that_are_not_a_session_are_refused(
    client: httpx.AsyncClient, make_account: AccountFactory, settings: Settings
) -> None:
    account = await make_account()
    access_token = tokens.issue(settings, account.id, "access").token
    expired = _expired_session(settings, account.id)
    for value in (access_token, expired, "garbage", ""):
        client.cookies.set(SESSION, value)
        response = await client.get("/users/me")
        assert response.status_code == 401, value
        assert response.headers["www-authenticate"] == "Bearer"


def _expired_session(settings: Settings, user_id: int) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "iat": now - timedelta(days=8),
        "exp": now - timedelta(days=1),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "typ": "session",
        "csrf": "x" * 32,
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")

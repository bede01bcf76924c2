"""Issue 14, finding 10: behind a trusted proxy that terminates TLS, X-Forwarded-Proto: https makes the
session cookies Secure; the same header from anyone else is ignored."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import DEFAULT_PASSWORD, UserHandle


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # The test client's peer is 203.0.113.10.
    return {"trusted_proxies": ["203.0.113.10/32"]}


def _cookie_headers(response: httpx.Response) -> list[str]:
    return response.headers.get_list("set-cookie")


async def test_forwarded_https_from_a_trusted_proxy_makes_the_cookies_secure(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    body = {"email": alice.email, "password": DEFAULT_PASSWORD}
    plain = await client.post("/auth/login", json=body)
    assert plain.status_code == 200, plain.text
    assert all("secure" not in c.lower() for c in _cookie_headers(plain))
    forwarded = await client.post("/auth/login", json=body, headers={"X-Forwarded-Proto": "https"})
    assert forwarded.status_code == 200
    cookies = _cookie_headers(forwarded)
    assert len(cookies) == 2 and all("; secure" in c.lower() for c in cookies), cookies


async def test_forwarded_https_from_anyone_else_is_ignored(
    client: httpx.AsyncClient, alice: UserHandle, settings: Any
) -> None:
    settings.trusted_proxies = ["192.0.2.1/32"]
    body = {"email": alice.email, "password": DEFAULT_PASSWORD}
    response = await client.post("/auth/login", json=body, headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert all("secure" not in c.lower() for c in _cookie_headers(response))

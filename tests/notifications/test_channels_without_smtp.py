"""On a server without SMTP_URL, email cannot be turned on: a clear 422, and nothing changes."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import UserHandle

pytestmark = pytest.mark.usefixtures("backend")


async def test_email_cannot_be_turned_on_without_an_smtp_server(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    refused = await client.patch(
        "/users/me", json={"notify_email": True, "timezone": "Asia/Tokyo"}, headers=alice.headers
    )
    assert refused.status_code == 422
    [issue] = refused.json()["detail"]
    assert issue["loc"] == ["body", "notify_email"] and "SMTP_URL" in issue["msg"]
    me = (await client.get("/users/me", headers=alice.headers)).json()
    assert (me["notify_email"], me["timezone"]) == (False, "UTC")
    # Turning it off, or the page's channel, needs no SMTP server.
    assert (
        await client.patch("/users/me", json={"notify_email": False}, headers=alice.headers)
    ).status_code == 200
    assert (await client.patch("/users/me", json={"notify_web": False}, headers=alice.headers)).json()[
        "notify_web"
    ] is False

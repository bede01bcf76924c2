"""GET and PATCH /users/me: the caller's account; PATCH sets the time zone to an IANA name, else 422."""

from __future__ import annotations

import httpx

from tests.conftest import UserHandle


async def test_me_is_the_callers_account(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    for user in (alice, bob):
        response = await client.get("/users/me", headers=user.headers)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"id", "email", "timezone", "created_at", "notify_web", "notify_email"}
        assert (body["notify_web"], body["notify_email"]) == (True, False)
        assert (body["id"], body["email"], body["timezone"]) == (user.id, user.email, "UTC")


async def test_patch_me_sets_an_iana_time_zone(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    for zone in ("Europe/Paris", "America/Argentina/Buenos_Aires", "Asia/Kolkata", "UTC"):
        response = await client.patch("/users/me", json={"timezone": zone}, headers=alice.headers)
        assert response.status_code == 200, response.text
        assert response.json()["timezone"] == zone
        assert (await client.get("/users/me", headers=alice.headers)).json()["timezone"] == zone
    await client.patch("/users/me", json={"timezone": "Pacific/Auckland"}, headers=alice.headers)
    assert (await client.get("/users/me", headers=bob.headers)).json()["timezone"] == "UTC"


async def test_patch_me_refuses_anything_but_a_time_zone(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    await client.patch("/users/me", json={"timezone": "Europe/Paris"}, headers=alice.headers)
    bad_bodies = [
        {"timezone": "Mars/Olympus_Mons"},
        {"timezone": "europe/paris"},
        {"timezone": "+02:00"},
        {"timezone": "CEST"},
        {"timezone": ""},
        {"timezone": "Europe/Paris\x00"},
        {"timezone": "../../etc/passwd"},
        {"timezone": None},
        {"timezone": 2},
        {},
        {"timezone": "UTC", "email": "mallory@example.com"},
        {"timezone": "UTC", "id": 99},
        {"timezone": "UTC", "password_hash": "x"},
    ]
    for body in bad_bodies:
        response = await client.patch("/users/me", json=body, headers=alice.headers)
        assert response.status_code == 422, (body, response.text)
    me = (await client.get("/users/me", headers=alice.headers)).json()
    assert (me["timezone"], me["email"], me["id"]) == ("Europe/Paris", alice.email, alice.id)


async def test_me_needs_a_token(client: httpx.AsyncClient) -> None:
    for method in ("GET", "PATCH"):
        response = await client.request(method, "/users/me", json={"timezone": "UTC"})
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"

"""POST /users/signup: 201 with the user and never a hash; 409 for a taken email in any case; 422 for a
bad email or a short password."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from taskagent.auth.models import User
from taskagent.db import create_session_factory, session_scope
from taskagent.resources import app_resources
from tests.auth.conftest import PASSWORD, AccountFactory, token_for


async def stored_user(app: FastAPI, user_id: int) -> User:
    async with session_scope(create_session_factory(app_resources(app).engine)) as session:
        user = (await session.execute(select(User).where(User.id == user_id))).scalar_one()
        session.expunge(user)
        return user


async def test_signup_creates_an_account_that_can_sign_in(client: httpx.AsyncClient, app: FastAPI) -> None:
    response = await client.post(
        "/users/signup", json={"email": "New.User@Example.COM", "password": PASSWORD}
    )
    assert response.status_code == 201, response.text
    user = response.json()
    assert set(user) == {"id", "email", "timezone", "created_at", "notify_web", "notify_email"}
    assert user["email"] == "new.user@example.com"  # stored in one case: see auth.repository
    assert user["timezone"] == "UTC"
    assert user["created_at"].endswith("Z")

    stored = await stored_user(app, user["id"])
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash

    token = await token_for(client, "new.user@example.com", PASSWORD)
    assert token.status_code == 200, token.text
    me = await client.get("/users/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert me.json() == user


async def test_signup_refuses_bad_emails(client: httpx.AsyncClient) -> None:
    bad = [
        "",
        "not-an-email",
        "a@",
        "@example.com",
        "a@b",
        "a b@example.com",
        "a@example..com",
        "a@localhost",
    ]
    for email in bad:
        response = await client.post("/users/signup", json={"email": email, "password": PASSWORD})
        assert response.status_code == 422, (email, response.text)
        assert response.json()["detail"][0]["loc"] == ["body", "email"]
    for body in (
        {"password": PASSWORD},
        {"email": None, "password": PASSWORD},
        {"email": 42, "password": PASSWORD},
    ):
        assert (await client.post("/users/signup", json=body)).status_code == 422, body


async def test_signup_needs_eight_characters_of_password(client: httpx.AsyncClient) -> None:
    short = await client.post("/users/signup", json={"email": "short@example.com", "password": "1234567"})
    assert short.status_code == 422
    assert short.json()["detail"][0]["loc"] == ["body", "password"]
    missing = await client.post("/users/signup", json={"email": "short@example.com"})
    assert missing.status_code == 422
    exact = await client.post("/users/signup", json={"email": "short@example.com", "password": "q7#Lm2vX"})
    assert exact.status_code == 201, exact.text


async def test_signup_refuses_fields_it_does_not_take(client: httpx.AsyncClient) -> None:
    for extra in ({"id": 1}, {"timezone": "Europe/Paris"}, {"password_hash": "x"}):
        body = {"email": "extra@example.com", "password": PASSWORD, **extra}
        response = await client.post("/users/signup", json=body)
        assert response.status_code == 422, (extra, response.text)


async def test_a_taken_email_is_409_in_any_case(
    client: httpx.AsyncClient, make_account: AccountFactory
) -> None:
    await make_account("alice@example.com")
    for email in ("alice@example.com", "ALICE@example.com", "Alice@Example.Com", " alice@EXAMPLE.com "):
        response = await client.post("/users/signup", json={"email": email, "password": PASSWORD})
        assert response.status_code == 409, (email, response.text)
        assert response.json() == {"detail": "This email is already registered"}


async def test_non_ascii_emails_are_case_insensitive_on_every_backend(client: httpx.AsyncClient) -> None:
    # SQLite's lower() folds ASCII only: the service folds case itself.
    first = await client.post("/users/signup", json={"email": "Émile@example.com", "password": PASSWORD})
    assert first.status_code == 201, first.text
    again = await client.post("/users/signup", json={"email": "éMILE@example.com", "password": PASSWORD})
    assert again.status_code == 409, again.text
    assert (await token_for(client, "ÉMILE@EXAMPLE.COM", PASSWORD)).status_code == 200


async def test_simultaneous_signups_for_one_email_make_one_account(client: httpx.AsyncClient) -> None:
    bodies = [
        {"email": "race@example.com", "password": PASSWORD},
        {"email": "RACE@example.com", "password": PASSWORD},
    ]
    responses = await asyncio.gather(*(client.post("/users/signup", json=body) for body in bodies))
    assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]

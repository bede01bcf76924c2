"""The one password policy (issue 14, finding 8): a new password is refused when it is among the common
ones or as easy to guess (zxcvbn), and every route that reads a password caps it at 1,024 characters,
refusing a longer one before any hashing."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from taskagent.auth.passwords import MAX_PASSWORD_LENGTH, PasswordHasher
from taskagent.resources import app_resources
from tests.auth.conftest import PASSWORD, AccountFactory, token_for
from tests.auth.test_token import BAD_CREDENTIALS, CountingContext

COMMON = ["        ", "12345678", "password", "qwertyuiop", "iloveyou", "11111111", "abcdefgh", "P@ssw0rd"]


@pytest.mark.parametrize("password", COMMON)
async def test_signup_refuses_a_common_password_and_stores_nothing(
    client: httpx.AsyncClient, password: str
) -> None:
    email = "weak@example.com"
    refused = await client.post("/users/signup", json={"email": email, "password": password})
    assert refused.status_code == 422, refused.text
    [issue] = refused.json()["detail"]
    assert issue["loc"] == ["body", "password"]
    assert "too common or too easy to guess" in issue["msg"]
    assert "input" not in issue  # the answer never echoes the password
    # No account was made: the same email signs up with a good password.
    accepted = await client.post("/users/signup", json={"email": email, "password": PASSWORD})
    assert accepted.status_code == 201, accepted.text


async def test_an_uncommon_password_of_eight_characters_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post("/users/signup", json={"email": "ok@example.com", "password": "q7#Lm2vX"})
    assert response.status_code == 201, response.text


async def test_one_length_cap_wherever_a_password_is_read(
    client: httpx.AsyncClient, make_account: AccountFactory, app: FastAPI
) -> None:
    await make_account("alice@example.com")
    hasher: PasswordHasher = app_resources(app).password_hasher
    counter = CountingContext(hasher.context)
    hasher.context = counter  # type: ignore[assignment]
    too_long = "x" * (MAX_PASSWORD_LENGTH + 1)

    signup = await client.post("/users/signup", json={"email": "long@example.com", "password": too_long})
    assert signup.status_code == 422
    assert signup.json()["detail"][0]["loc"] == ["body", "password"]
    cookie_login = await client.post("/auth/login", json={"email": "alice@example.com", "password": too_long})
    assert cookie_login.status_code == 422
    assert cookie_login.json()["detail"][0]["loc"] == ["body", "password"]
    # The OAuth2 form: a bad credential like any other, answered without hashing it (the 16 kB body
    # limit answers anything larger with 413).
    for password in (too_long, "y" * 15_000):
        token = await token_for(client, "alice@example.com", password)
        assert token.status_code == 401, token.status_code
        assert token.json() == BAD_CREDENTIALS
    assert counter.verified == []
    # At the cap, a password is still read and checked (here: a wrong one).
    at_cap = await token_for(client, "alice@example.com", "x" * MAX_PASSWORD_LENGTH)
    assert at_cap.status_code == 401
    assert len(counter.verified) == 1

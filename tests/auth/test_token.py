"""POST /token: a bearer JWT for good credentials; one 401 for every bad one, with the same work done;
and every forged or unfit token refused with 401 and `WWW-Authenticate: Bearer`."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from taskagent.auth import tokens
from taskagent.auth.passwords import PasswordHasher
from taskagent.config import Settings
from taskagent.resources import app_resources
from tests.auth.conftest import PASSWORD, AccountFactory, token_for
from tests.conftest import TEST_SECRET, UserHandle, build_settings

BAD_CREDENTIALS = {"detail": "Incorrect email or password"}


async def test_token_for_good_credentials(
    client: httpx.AsyncClient, make_account: AccountFactory, settings: Settings
) -> None:
    account = await make_account("alice@example.com")
    response = await token_for(client, "alice@example.com", PASSWORD)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.access_token_expire_minutes * 60 == 1800

    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "HS256"
    claims = jwt.decode(body["access_token"], TEST_SECRET, algorithms=["HS256"], audience="taskagent")
    assert claims["sub"] == str(account.id)
    assert claims["iss"] == "taskagent" and claims["aud"] == "taskagent"
    assert 1799 < claims["exp"] - claims["iat"] <= 1800  # iat is exact (a float), exp whole seconds
    assert abs(claims["iat"] - time.time()) < 60

    me = await client.get("/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["id"] == account.id


async def test_emails_are_compared_without_case_at_login(
    client: httpx.AsyncClient, make_account: AccountFactory
) -> None:
    await make_account("alice@example.com")
    for username in ("ALICE@EXAMPLE.COM", "Alice@Example.com", "  alice@example.com  "):
        response = await token_for(client, username, PASSWORD)
        assert response.status_code == 200, (username, response.text)
    login = await client.post("/auth/login", json={"email": "ALICE@example.COM", "password": PASSWORD})
    assert login.status_code == 200, login.text


class CountingContext:
    """Wraps the hasher's pwdlib context and records every hash it verifies against."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.verified: list[str] = []

    def hash(self, password: str) -> str:
        result: str = self.inner.hash(password)
        return result

    def verify(self, password: str, password_hash: str) -> bool:
        self.verified.append(password_hash)
        result: bool = self.inner.verify(password, password_hash)
        return result


def argon2_parameters(password_hash: str) -> str:
    """`$argon2id$v=19$m=...,t=...,p=...`: everything that sets the cost of a verification."""
    return "$".join(password_hash.split("$")[:4])


async def test_wrong_password_and_unknown_email_get_the_same_answer_after_the_same_work(
    client: httpx.AsyncClient, make_account: AccountFactory, app: FastAPI
) -> None:
    await make_account("alice@example.com")
    hasher: PasswordHasher = app_resources(app).password_hasher
    counter = CountingContext(hasher.context)
    hasher.context = counter  # type: ignore[assignment]

    answers: dict[str, httpx.Response] = {}
    work: dict[str, list[str]] = {}
    attempts = {
        "wrong password": ("alice@example.com", "not the password"),
        "unknown email": ("nobody@example.com", PASSWORD),
        "unknown email, wrong password": ("nobody@example.com", "not the password"),
        "right password": ("alice@example.com", PASSWORD),
    }
    for name, (username, password) in attempts.items():
        counter.verified.clear()
        answers[name] = await token_for(client, username, password)
        work[name] = list(counter.verified)

    assert answers["right password"].status_code == 200
    failures = [answers[name] for name in attempts if name != "right password"]
    for response in failures:
        assert response.status_code == 401
        assert response.json() == BAD_CREDENTIALS
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.content == failures[0].content
    # Exactly one verification each, against a hash of identical cost.
    assert all(len(hashes) == 1 for hashes in work.values()), work
    parameters = {argon2_parameters(hashes[0]) for hashes in work.values()}
    assert len(parameters) == 1, parameters

    # The cookie login is the same code path: the same answer and the same work.
    counter.verified.clear()
    cookie_unknown = await client.post(
        "/auth/login", json={"email": "nobody@example.com", "password": PASSWORD}
    )
    cookie_wrong = await client.post("/auth/login", json={"email": "alice@example.com", "password": "nope"})
    assert cookie_unknown.status_code == cookie_wrong.status_code == 401
    assert cookie_unknown.json() == cookie_wrong.json() == BAD_CREDENTIALS
    assert len(counter.verified) == 2
    assert "set-cookie" not in cookie_unknown.headers and "set-cookie" not in cookie_wrong.headers


async def test_the_default_dummy_hash_costs_what_a_real_hash_costs() -> None:
    """Outside tests the unknown-email path verifies against a hash made with the production parameters."""
    production = PasswordHasher(1)
    stored = await production.hash("whatever password")
    assert argon2_parameters(production._dummy_hash) == argon2_parameters(stored)
    assert argon2_parameters(stored).startswith("$argon2id$v=19$m=65536,t=3,p=4")


async def test_bad_login_forms(client: httpx.AsyncClient) -> None:
    assert (await client.post("/token", data={"username": "a@example.com"})).status_code == 422
    assert (await client.post("/token", data={"password": PASSWORD})).status_code == 422
    assert (
        await client.post("/token", json={"username": "a@example.com", "password": PASSWORD})
    ).status_code == 422
    nul = await token_for(client, "a\x00b@example.com", PASSWORD)  # PostgreSQL refuses NUL: still a plain 401
    assert nul.status_code == 401 and nul.json() == BAD_CREDENTIALS


# --- forged and unfit tokens ----------------------------------------------------------------------


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(user_id: int, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "iat": now,
        "exp": now + timedelta(minutes=30),
        "iss": "taskagent",
        "aud": "taskagent",
        "typ": "access",
    }
    for key, value in changes.items():
        if value is None:
            claims.pop(key, None)
        else:
            claims[key] = value
    return claims


def _sign(claims: dict[str, Any], key: str = TEST_SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def _tamper(token: str, **changes: Any) -> str:
    """Change the payload of a signed token and keep its signature."""
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(changes)
    return f"{header}.{_b64(data)}.{signature}"


def forgeries(user: UserHandle, other: UserHandle, settings: Settings) -> dict[str, str]:
    now = datetime.now(UTC)
    valid = _sign(_claims(user.id))
    epoch = int(now.timestamp())
    unsigned = {**_claims(user.id), "iat": epoch, "exp": epoch + 600}
    return {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(unsigned)}.",
        "alg none via PyJWT": jwt.encode(unsigned, None, algorithm="none"),  # type: ignore[arg-type]
        "wrong key": _sign(_claims(user.id), key="another-secret-key-that-is-long-enough-for-hs256-000"),
        "HS512 with the right key": _sign(_claims(user.id), algorithm="HS512"),
        "HS384 with the right key": _sign(_claims(user.id), algorithm="HS384"),
        "expired": _sign(_claims(user.id, iat=now - timedelta(minutes=31), exp=now - timedelta(minutes=1))),
        "no exp": _sign(_claims(user.id, exp=None)),
        "no iat": _sign(_claims(user.id, iat=None)),
        "no sub": _sign(_claims(user.id, sub=None)),
        "no iss": _sign(_claims(user.id, iss=None)),
        "no aud": _sign(_claims(user.id, aud=None)),
        "no typ": _sign(_claims(user.id, typ=None)),
        "wrong aud": _sign(_claims(user.id, aud="another-service")),
        "wrong iss": _sign(_claims(user.id, iss="https://evil.example")),
        "issued in the future": _sign(_claims(user.id, iat=now + timedelta(hours=1))),
        "tampered payload (another user)": _tamper(valid, sub=str(other.id)),
        "tampered payload (later exp)": _tamper(valid, exp=int(now.timestamp()) + 10**8),
        "signature of another token": valid.rsplit(".", 1)[0] + "." + other.token.rsplit(".", 1)[1],
        "unknown user id": _sign(_claims(999_999)),
        "user id 0": _sign(_claims(user.id, sub="0")),
        "negative user id": _sign(_claims(user.id, sub="-1")),
        "user id beyond INTEGER": _sign(_claims(user.id, sub="99999999999999999999")),
        "user id in other digits": _sign(_claims(user.id, sub="²")),
        "numeric sub": _sign(_claims(user.id, sub=user.id)),
        "email as sub": _sign(_claims(user.id, sub=user.email)),
        "session cookie token": tokens.issue(settings, user.id, "session", session_id="a-session").token,
        "garbage": "not-a-jwt",
        "three garbage parts": "a.b.c",
        "empty signature": valid.rsplit(".", 1)[0] + ".",
    }


async def test_forged_and_unfit_tokens_get_401_with_www_authenticate(
    client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle, settings: Settings
) -> None:
    assert (await client.get("/users/me", headers=alice.headers)).status_code == 200  # the control
    for name, token in forgeries(alice, bob, settings).items():
        response = await client.get("/users/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, (name, response.text)
        assert response.headers["www-authenticate"] == "Bearer", name
        assert response.json() == {"detail": "Invalid or expired token"}, name


async def test_missing_or_malformed_authorization_gets_401(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    for headers in ({}, {"Authorization": ""}, {"Authorization": "Bearer"}, {"Authorization": "Bearer "}):
        response = await client.get("/users/me", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"] == "Bearer"
    basic = await client.get("/users/me", headers={"Authorization": f"Basic {alice.token}"})
    assert basic.status_code == 401 and basic.headers["www-authenticate"] == "Bearer"


def test_verify_raises_only_invalid_token_error(tmp_path: Path) -> None:
    """tokens.verify raises InvalidTokenError and nothing else, whatever it is given."""
    settings = build_settings("sqlite:///unused.db", tmp_path)
    for token in ("", ".", "..", "a.b.c", "e30.e30.", "😀.😀.😀", "x" * 10_000):
        with pytest.raises(tokens.InvalidTokenError):
            tokens.verify(settings, token, "access")

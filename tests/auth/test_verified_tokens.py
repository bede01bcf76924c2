"""Tokens checked once per worker (`VerifiedTokens`): a remembered token is never accepted past its `exp`,
and only tokens that passed the full check are remembered."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from taskagent.auth import tokens
from taskagent.config import Settings
from tests.conftest import TEST_SECRET, UserHandle


def _token(user_id: int, lifetime: timedelta) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "iat": now,
        "exp": now + lifetime,
        "iss": "taskagent",
        "aud": "taskagent",
        "typ": "access",
    }
    return jwt.encode(claims, TEST_SECRET, algorithm="HS256")


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def full_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens that went through the full check, in order."""
    checked: list[str] = []
    real_verify = tokens.verify

    def counting_verify(settings: Settings, token: str, kind: tokens.TokenKind) -> tokens.Claims:
        checked.append(token)
        return real_verify(settings, token, kind)

    monkeypatch.setattr(tokens, "verify", counting_verify)
    return checked


def test_a_verified_token_is_checked_once_until_it_expires(
    settings: Settings, full_checks: list[str]
) -> None:
    token = _token(7, timedelta(minutes=5))
    clock = Clock(datetime.now(UTC).timestamp())
    verified = tokens.VerifiedTokens(settings, clock=clock)
    assert verified.known(token, "access") is None  # never verified: unknown, not checked either
    first = verified.verify(token, "access")
    assert verified.verify(token, "access") == first and first.user_id == 7
    assert verified.known(token, "access") == first and verified.known(token, "session") is None
    assert full_checks == [token]
    clock.now = first.expires_at  # exp itself is already too late, as for PyJWT
    assert verified.known(token, "access") is None
    verified.verify(token, "access")  # checked in full again (the real clock says it is still valid)
    assert full_checks == [token, token]


def test_a_token_is_remembered_for_its_kind_only(settings: Settings, full_checks: list[str]) -> None:
    verified = tokens.VerifiedTokens(settings)
    session = tokens.issue(settings, 7, "session", session_id="a-session").token
    assert verified.verify(session, "session").csrf
    with pytest.raises(tokens.InvalidTokenError):
        verified.verify(session, "access")
    with pytest.raises(tokens.InvalidTokenError):  # and a refusal is not remembered as a pass
        verified.verify(session, "access")
    assert full_checks == [session, session, session]


def test_refused_tokens_are_not_remembered(settings: Settings, full_checks: list[str]) -> None:
    verified = tokens.VerifiedTokens(settings)
    forged = _token(7, timedelta(minutes=5))[:-2] + "xx"
    for _ in range(2):
        with pytest.raises(tokens.InvalidTokenError):
            verified.verify(forged, "access")
    assert full_checks == [forged, forged]


def test_the_cache_stays_within_its_size(settings: Settings, full_checks: list[str]) -> None:
    verified = tokens.VerifiedTokens(settings, max_size=2)
    first, second, third = (_token(user_id, timedelta(minutes=5)) for user_id in (1, 2, 3))
    for token in (first, second, third, third, second):
        verified.verify(token, "access")
    assert full_checks == [first, second, third]
    verified.verify(first, "access")  # the oldest made room for the third
    assert full_checks == [first, second, third, first]


async def test_a_token_used_before_is_refused_once_expired(
    client: httpx.AsyncClient, alice: UserHandle
) -> None:
    token = _token(alice.id, timedelta(seconds=3))  # exp is whole seconds: 2-3 s from now
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/tasks", headers=headers)).status_code == 200
    expires_at = jwt.decode(token, options={"verify_signature": False})["exp"]
    await asyncio.sleep(max(0.0, expires_at - datetime.now(UTC).timestamp()) + 0.05)
    for path in ("/tasks", "/tasks/1", "/users/me"):
        response = await client.get(path, headers=headers)
        assert response.status_code == 401, (path, response.text)
        assert response.json() == {"detail": "Invalid or expired token"}

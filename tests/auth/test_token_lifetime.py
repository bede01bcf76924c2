"""The access token's lifetime is ACCESS_TOKEN_EXPIRE_MINUTES."""

from __future__ import annotations

from typing import Any

import httpx
import jwt
import pytest

from tests.auth.conftest import PASSWORD, AccountFactory, token_for
from tests.conftest import TEST_SECRET


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"token_rate_limit": 10_000, "access_token_expire_minutes": 5}


async def test_token_lifetime_follows_the_setting(
    client: httpx.AsyncClient, make_account: AccountFactory
) -> None:
    await make_account("alice@example.com")
    body = (await token_for(client, "alice@example.com", PASSWORD)).json()
    assert body["expires_in"] == 300
    claims = jwt.decode(body["access_token"], TEST_SECRET, algorithms=["HS256"], audience="taskagent")
    assert 299 < claims["exp"] - claims["iat"] <= 300  # iat is exact (a float), exp whole seconds

"""Password guessing is limited per account as well as per address, and one client's address counts once
however it is spelt (behind a trusted proxy, X-Forwarded-For decides the address)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.backends("sqlite")

LIMIT = 5


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # The test client's peer (203.0.113.10) is the proxy: each request names its client in X-Forwarded-For.
    return {"token_rate_limit": LIMIT, "trusted_proxies": ["203.0.113.10/32"]}


async def _guess(client: httpx.AsyncClient, email: str, address: str, *, form: bool) -> int:
    headers = {"X-Forwarded-For": address}
    if form:
        response = await client.post("/token", data={"username": email, "password": "guess"}, headers=headers)
    else:
        response = await client.post(
            "/auth/login", json={"email": email, "password": "guess"}, headers=headers
        )
    return response.status_code


@pytest.mark.parametrize("form", [True, False], ids=["/token", "/auth/login"])
async def test_one_account_guessed_from_many_addresses_is_limited(
    client: httpx.AsyncClient, form: bool
) -> None:
    per_account = 2 * LIMIT
    statuses = [
        await _guess(client, f"Victim@Example.com{' ' * (n % 2)}", f"198.51.100.{n}", form=form)
        for n in range(1, per_account + 4)
    ]
    assert statuses[:per_account] == [401] * per_account
    assert set(statuses[per_account:]) == {429}, statuses
    # Another account is not held up by it.
    assert await _guess(client, "someone.else@example.com", "198.51.100.200", form=form) == 401


@pytest.mark.parametrize(
    "spellings",
    [
        ["192.0.2.7", "::ffff:192.0.2.7", "::FFFF:c000:207", "192.000.002.007", "0192.0.2.07", " 192.0.2.7"],
        [
            "2001:db8:1:2::1",
            "2001:db8:1:2::2",
            "2001:db8:1:2:ffff::9",
            "2001:0db8:0001:0002::3",
            "2001:db8:1:2:a:b:c:d",
        ],
    ],
    ids=["ipv4 spellings", "one ipv6 /64"],
)
async def test_one_client_counts_once_however_its_address_is_spelt(
    client: httpx.AsyncClient, spellings: list[str]
) -> None:
    addresses = (spellings * 2)[: LIMIT + 2]
    statuses = [
        await _guess(client, f"user{n}@example.com", address, form=True)
        for n, address in enumerate(addresses)
    ]
    assert statuses[:LIMIT] == [401] * LIMIT
    assert set(statuses[LIMIT:]) == {429}, statuses
    # A neighbour outside the /64 (or another IPv4 address) has its own budget.
    other = "2001:db8:1:3::1" if ":" in spellings[0] else "192.0.2.8"
    assert await _guess(client, "next@example.com", other, form=True) == 401

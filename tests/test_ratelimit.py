"""Rate limits: the headers of the contract, exact counting under concurrency (memory and Redis), client
addresses behind proxies, the agent policy, and what a dead or silent Redis does to logins."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from starlette.requests import Request

from taskagent import ratelimit
from taskagent.app import create_app
from taskagent.config import Settings
from taskagent.dependencies import CurrentUserId, RateLimiterDep
from taskagent.ratelimit import RateLimiter, client_address
from taskagent.resources import app_resources
from tests.conftest import DEFAULT_PASSWORD, UserHandle, build_settings

PEER = "203.0.113.10"


@contextlib.asynccontextmanager
async def serve(settings: Settings, peer: str = PEER) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, client=(peer, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield application, http


async def login(client: httpx.AsyncClient, email: str, **headers: str) -> httpx.Response:
    return await client.post(
        "/token", data={"username": email, "password": DEFAULT_PASSWORD}, headers=headers
    )


def assert_contract_headers(response: httpx.Response, name: str, limit: int, remaining: int) -> None:
    h = response.headers
    assert h["RateLimit-Policy"] == f'"{name}";q={limit};w=60'
    match = re.fullmatch(rf'"{name}";r=(\d+);t=(\d+)', h["RateLimit"])
    assert match, h["RateLimit"]
    assert int(match.group(1)) == remaining
    reset_in = int(match.group(2))
    assert 0 <= reset_in <= 60
    assert h["X-RateLimit-Limit"] == str(limit)
    assert h["X-RateLimit-Remaining"] == str(remaining)
    reset_at = int(h["X-RateLimit-Reset"])  # epoch seconds
    assert time.time() - 1 <= reset_at <= time.time() + 61
    if response.status_code == 429:
        assert 1 <= int(h["Retry-After"]) <= 60
    else:
        assert "Retry-After" not in h


# --- headers and policies ------------------------------------------------------------------------------


async def test_token_headers_on_success_failure_and_429(client: httpx.AsyncClient, alice: UserHandle) -> None:
    first = await login(client, alice.email)
    assert first.status_code == 200, first.text
    assert_contract_headers(first, "token", 5, 4)
    bad = await client.post("/token", data={"username": alice.email, "password": "wrong password"})
    assert bad.status_code == 401
    assert_contract_headers(bad, "token", 5, 3)
    for remaining in (2, 1, 0):
        response = await login(client, alice.email)
        assert response.status_code == 200
        assert_contract_headers(response, "token", 5, remaining)
    refused = await login(client, alice.email)
    assert refused.status_code == 429
    assert_contract_headers(refused, "token", 5, 0)
    assert refused.json()["detail"].startswith("Rate limit exceeded")


async def test_signup_is_limited_per_client(client: httpx.AsyncClient) -> None:
    for n in range(5):
        response = await client.post(
            "/users/signup", json={"email": f"new{n}@example.com", "password": "long enough password"}
        )
        assert response.status_code == 201, response.text
        assert_contract_headers(response, "signup", 5, 4 - n)
    refused = await client.post(
        "/users/signup", json={"email": "new9@example.com", "password": "long enough password"}
    )
    assert refused.status_code == 429
    assert_contract_headers(refused, "signup", 5, 0)


async def test_web_login_shares_the_token_budget(client: httpx.AsyncClient, alice: UserHandle) -> None:
    for _ in range(3):
        assert (await login(client, alice.email)).status_code == 200
    for _ in range(2):
        response = await client.post("/auth/login", json={"email": alice.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 200, response.text
    assert_contract_headers(response, "token", 5, 0)
    assert (
        await client.post("/auth/login", json={"email": alice.email, "password": "x" * 8})
    ).status_code == 429
    assert (await login(client, alice.email)).status_code == 429


async def test_unlimited_endpoints_carry_no_rate_limit_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert "RateLimit" not in response.headers and "X-RateLimit-Limit" not in response.headers


async def test_disabled_limits_let_everything_through(
    database_url: str, tmp_path: Path, alice: UserHandle
) -> None:
    settings = build_settings(database_url, tmp_path / "d2", rate_limit_enabled=False)
    async with serve(settings) as (_, http):
        statuses = [(await login(http, alice.email)).status_code for _ in range(7)]
    assert statuses == [200] * 7


# --- exact under concurrency -----------------------------------------------------------------------------


async def _sixteen_parallel_logins(http: httpx.AsyncClient, email: str) -> list[int]:
    responses = await asyncio.gather(*(login(http, email) for _ in range(16)))
    for response in responses:
        assert "RateLimit" in response.headers
    return sorted(r.status_code for r in responses)


async def test_sixteen_parallel_logins_exactly_five_pass_in_memory(
    database_url: str, tmp_path: Path, alice: UserHandle
) -> None:
    async with serve(build_settings(database_url, tmp_path / "d")) as (app, http):
        assert app_resources(app).rate_limiter.backend == "memory"
        assert await _sixteen_parallel_logins(http, alice.email) == [200] * 5 + [429] * 11


async def test_sixteen_parallel_logins_exactly_five_pass_on_redis(
    database_url: str, tmp_path: Path, redis_url: str, alice: UserHandle
) -> None:
    async with serve(build_settings(database_url, tmp_path / "d", redis_url=redis_url)) as (app, http):
        limiter: RateLimiter = app_resources(app).rate_limiter
        assert limiter.backend == "redis"
        # Connected first, as a running service is: a cold connection's set-up on a busy test machine can
        # outlast the client's 0.5 s timeout, and the fallback this test must not see would then count.
        assert (await limiter.hit(limiter.token, "warm-up")).allowed
        assert await _sixteen_parallel_logins(http, alice.email) == [200] * 5 + [429] * 11
        assert not limiter.using_fallback


def _limiter_settings(tmp_path: Path, **values: Any) -> Settings:
    return build_settings("sqlite:///unused.db", tmp_path, **values)


async def test_two_limiters_on_one_redis_share_one_budget(tmp_path: Path, redis_url: str) -> None:
    """Two workers are two RateLimiter instances; with Redis they count together, exactly."""
    prefix = f"taskagent-test-{uuid.uuid4().hex}"
    workers = [
        RateLimiter(_limiter_settings(tmp_path, redis_url=redis_url, rate_limit_key_prefix=prefix))
        for _ in range(2)
    ]
    try:
        outcomes = await asyncio.gather(
            *(workers[i % 2].hit(workers[0].token, "198.51.100.1") for i in range(16))
        )
        assert sum(o.allowed for o in outcomes) == 5
        assert not any(w.using_fallback for w in workers)
    finally:
        for worker in workers:
            await worker.close()


async def test_memory_limiters_do_not_share(tmp_path: Path) -> None:
    """The control for the test above: without Redis each worker has its own budget."""
    workers = [RateLimiter(_limiter_settings(tmp_path)) for _ in range(2)]
    outcomes = await asyncio.gather(
        *(workers[i % 2].hit(workers[0].token, "198.51.100.1") for i in range(16))
    )
    assert sum(o.allowed for o in outcomes) == 10


# --- client addresses --------------------------------------------------------------------------------------


async def test_spoofed_forwarded_for_from_untrusted_peer_gets_no_fresh_budget(
    database_url: str, tmp_path: Path, alice: UserHandle
) -> None:
    async with serve(build_settings(database_url, tmp_path / "d")) as (_, http):
        for _ in range(5):
            assert (await login(http, alice.email)).status_code == 200
        for n in range(3):
            spoofed = await login(http, alice.email, **{"X-Forwarded-For": f"198.51.100.{n}"})
            assert spoofed.status_code == 429


async def test_forwarded_for_from_trusted_proxy_is_believed(
    database_url: str, tmp_path: Path, alice: UserHandle
) -> None:
    settings = build_settings(database_url, tmp_path / "d", trusted_proxies=["203.0.113.0/24"])
    async with serve(settings) as (_, http):
        for _ in range(5):
            assert (await login(http, alice.email, **{"X-Forwarded-For": "198.51.100.7"})).status_code == 200
        assert (await login(http, alice.email, **{"X-Forwarded-For": "198.51.100.7"})).status_code == 429
        # A client behind the same proxy has its own budget...
        assert (await login(http, alice.email, **{"X-Forwarded-For": "198.51.100.8"})).status_code == 200
        # ...and cannot borrow one by prepending a made-up hop: the proxy appended the real address.
        forged = await login(http, alice.email, **{"X-Forwarded-For": "192.0.2.55, 198.51.100.7"})
        assert forged.status_code == 429


def _request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.10", None, [], "203.0.113.10"),
        ("203.0.113.10", "198.51.100.1", [], "203.0.113.10"),
        ("203.0.113.10", "198.51.100.1", ["10.0.0.0/8"], "203.0.113.10"),
        ("10.0.0.2", "198.51.100.1", ["10.0.0.0/8"], "198.51.100.1"),
        ("10.0.0.2", "192.0.2.9, 198.51.100.1, 10.0.0.7", ["10.0.0.0/8"], "198.51.100.1"),
        ("10.0.0.2", "10.0.0.9, 10.0.0.7", ["10.0.0.0/8"], "10.0.0.9"),
        ("10.0.0.2", "not-an-ip", ["10.0.0.0/8"], "not-an-ip"),
        ("::1", "2001:db8::5", ["::1"], "2001:db8::/64"),  # an IPv6 client is keyed by its /64
    ],
)
def test_client_address(peer: str, forwarded: str | None, trusted: list[str], expected: str) -> None:
    assert client_address(_request(peer, forwarded), trusted) == expected


# --- the agent policy -------------------------------------------------------------------------------------


async def test_agent_policy_is_per_user_and_covers_streams(
    app: FastAPI, client: httpx.AsyncClient, alice: UserHandle, bob: UserHandle
) -> None:
    async def words() -> AsyncIterator[bytes]:
        for word in (b"one ", b"two"):
            yield word

    async def run_agent(
        request: Request, user_id: CurrentUserId, limiter: RateLimiterDep
    ) -> StreamingResponse:
        # As the agent routes do: per user, before the stream starts.
        await limiter.enforce(request, limiter.agent, f"user:{user_id}")
        return StreamingResponse(words(), media_type="text/plain")

    app.add_api_route("/probe-agent", run_agent, methods=["POST"])
    for n in range(10):
        response = await client.post("/probe-agent", headers=alice.headers)
        assert response.status_code == 200 and response.text == "one two"
        assert_contract_headers(response, "agent", 10, 9 - n)
    refused = await client.post("/probe-agent", headers=alice.headers)
    assert refused.status_code == 429
    assert_contract_headers(refused, "agent", 10, 0)
    assert (await client.post("/probe-agent", headers=bob.headers)).status_code == 200
    assert (await client.post("/probe-agent")).status_code == 401


# --- Redis trouble ----------------------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_unreachable_redis_falls_back_to_memory_and_stays_limited(
    database_url: str, tmp_path: Path, alice: UserHandle
) -> None:
    settings = build_settings(database_url, tmp_path / "d", redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    async with serve(settings) as (app, http):
        limiter: RateLimiter = app_resources(app).rate_limiter
        started = time.perf_counter()
        assert await _sixteen_parallel_logins(http, alice.email) == [200] * 5 + [429] * 11
        assert limiter.using_fallback
        # Refused connections fail fast; the whole burst (5 Argon2 verifications) takes well under 5 s.
        assert time.perf_counter() - started < 5
        # With the breaker open, a check does not touch the network at all.
        started = time.perf_counter()
        for _ in range(50):
            await limiter.hit(limiter.agent, "user:1")
        assert time.perf_counter() - started < 0.2


async def test_silent_redis_costs_one_bounded_wait_not_one_per_request(tmp_path: Path) -> None:
    """A Redis that accepts connections and never answers (stopped, or a black hole behind a proxy)."""
    held: list[asyncio.StreamWriter] = []

    async def never_answer(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    limiter = RateLimiter(_limiter_settings(tmp_path, redis_url=f"redis://127.0.0.1:{port}/0"))
    try:
        started = time.perf_counter()
        outcomes = await asyncio.gather(*(limiter.hit(limiter.token, "198.51.100.1") for _ in range(16)))
        first_burst = time.perf_counter() - started
        assert sum(o.allowed for o in outcomes) == 5
        assert first_burst < ratelimit.REDIS_DEADLINE_SECONDS + 0.5
        assert limiter.using_fallback
        started = time.perf_counter()
        await limiter.hit(limiter.token, "198.51.100.2")
        assert time.perf_counter() - started < 0.05
    finally:
        await limiter.close()
        server.close()
        for writer in held:
            writer.close()


class ToggleProxy:
    """A TCP proxy in front of the real Redis that can refuse connections, as a Redis restart would."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.up = True
        self.pipes: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            writer.close()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.pipes += [writer, upstream_writer]

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pump(reader, upstream_writer), pump(upstream_reader, writer))

    def go_down(self) -> None:
        self.up = False
        for pipe in self.pipes:
            pipe.close()
        self.pipes.clear()

    def close(self) -> None:
        self.go_down()
        if self.server is not None:
            self.server.close()


async def test_redis_outage_and_recovery(
    tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ratelimit, "REDIS_RETRY_SECONDS", 0.3)
    proxy = ToggleProxy(int(redis_url.rsplit(":", 1)[1].split("/")[0]))
    await proxy.start()
    limiter = RateLimiter(_limiter_settings(tmp_path, redis_url=f"redis://127.0.0.1:{proxy.port}/0"))
    try:
        assert (await limiter.hit(limiter.agent, "user:1")).remaining == 9
        assert not limiter.using_fallback
        proxy.go_down()
        outage = await limiter.hit(limiter.agent, "user:1")
        assert outage.allowed and limiter.using_fallback
        assert outage.remaining == 9  # counted in this worker's memory from now on
        proxy.up = True
        await asyncio.sleep(0.4)
        back = await limiter.hit(limiter.agent, "user:1")
        assert not limiter.using_fallback
        assert back.remaining == 8  # Redis still held the hit from before the outage
    finally:
        await limiter.close()
        proxy.close()

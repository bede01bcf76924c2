"""Rate limits with the `limits` library: moving windows in memory, or in Redis shared by every worker.

A policy is enforced by `RateLimiter.enforce`: in a dependency (`taskagent.dependencies.limit_signup`,
...) for the public endpoints, in the route for the agent endpoints (per user, and for ChatKit only the
requests that run an agent). It records the outcome on the request scope, and `RateLimitHeadersMiddleware`
writes the headers on whatever response follows, streamed ones included.

When Redis stops answering, each worker falls back to its own in-memory windows until Redis is back:
limits stay enforced (per worker) rather than failing open, and logins keep working.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import math
import re
import time
from dataclasses import dataclass
from typing import Any

from coredis.retry import NoRetryPolicy
from fastapi import Request
from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from taskagent.config import Settings
from taskagent.errors import RateLimited

logger = logging.getLogger(__name__)

SCOPE_KEY = "taskagent.rate_limit"
# While Redis is down, each worker probes it again after this long (one request at a time).
REDIS_RETRY_SECONDS = 5.0
# Connect and read timeouts of the Redis client, and the budget of one whole rate-limit check.
REDIS_CONNECT_TIMEOUT_SECONDS = 0.5
REDIS_DEADLINE_SECONDS = 1.0


@dataclass(frozen=True)
class Policy:
    name: str
    item: RateLimitItem

    @property
    def limit(self) -> int:
        return int(self.item.amount)

    @property
    def window_seconds(self) -> int:
        return int(self.item.get_expiry())


@dataclass(frozen=True)
class Outcome:
    policy: Policy
    allowed: bool
    remaining: int
    reset_at: float  # epoch seconds when a slot frees up

    def headers(self, now: float | None = None) -> dict[str, str]:
        now = time.time() if now is None else now
        reset_in = max(0, math.ceil(self.reset_at - now))
        name = self.policy.name
        headers = {
            "RateLimit-Policy": f'"{name}";q={self.policy.limit};w={self.policy.window_seconds}',
            "RateLimit": f'"{name}";r={self.remaining};t={reset_in}',
            "X-RateLimit-Limit": str(self.policy.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(1, reset_in))
        return headers


class RateLimiter:
    """The policies and their storage: Redis when configured (with a per-worker memory fallback), else memory.

    Redis health is a small circuit breaker. While Redis answers, every hit goes there. The first failure
    (refused, timed out, or past `REDIS_DEADLINE_SECONDS` in total) opens the breaker: for
    `REDIS_RETRY_SECONDS` every hit is counted in this worker's memory without touching the network. Then
    one request at a time probes Redis (the others keep using memory, so a dead Redis costs at most one
    request per worker per interval a bounded wait); the first success closes the breaker.
    """

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limit_enabled
        self.signup = Policy("signup", RateLimitItemPerMinute(settings.token_rate_limit))
        self.token = Policy("token", RateLimitItemPerMinute(settings.token_rate_limit))
        # Sign-in attempts at one account, from any number of addresses: twice one address's budget, so that
        # the account's owner signing in from a second place is not held up by the first.
        self.login_account = Policy("login-account", RateLimitItemPerMinute(2 * settings.token_rate_limit))
        self.agent = Policy("agent", RateLimitItemPerMinute(settings.agent_rate_limit))
        self._memory = MovingWindowRateLimiter(storage_from_string("async+memory://"))
        self._redis: MovingWindowRateLimiter | None = None
        self._redis_healthy = True
        self._redis_down_until = 0.0
        self._probing = False
        if settings.redis_url:
            self._redis = MovingWindowRateLimiter(
                redis_storage(settings.redis_url, key_prefix=settings.rate_limit_key_prefix)
            )

    @property
    def backend(self) -> str:
        return "redis" if self._redis is not None else "memory"

    @property
    def using_fallback(self) -> bool:
        """True while Redis is configured but treated as down (hits go to this worker's memory)."""
        return self._redis is not None and not self._redis_healthy

    async def hit(self, policy: Policy, key: str) -> Outcome:
        identifiers = (policy.name, key)
        if self._redis is not None:
            if self._redis_healthy:
                outcome = await self._try_redis(self._redis, policy, identifiers)
                if outcome is not None:
                    return outcome
            elif not self._probing and time.monotonic() >= self._redis_down_until:
                self._probing = True
                try:
                    outcome = await self._try_redis(self._redis, policy, identifiers)
                finally:
                    self._probing = False
                if outcome is not None:
                    logger.warning("Redis rate-limit storage is back; limits are shared by all workers again")
                    return outcome
        return await self._hit(self._memory, policy, identifiers)

    async def _try_redis(
        self, limiter: MovingWindowRateLimiter, policy: Policy, identifiers: tuple[str, str]
    ) -> Outcome | None:
        try:
            # One deadline for the whole exchange (connect, HELLO, both scripts), whatever the client's
            # own timeouts and retries do.
            async with asyncio.timeout(REDIS_DEADLINE_SECONDS):
                outcome = await self._hit(limiter, policy, identifiers)
        except Exception as exc:  # refused, timed out, wrapped StorageError: all mean "not now"
            if self._redis_healthy:
                logger.warning(
                    "Redis rate-limit storage unreachable (%s: %s); counting in per-worker memory, "
                    "retrying every %.0f s",
                    type(exc).__name__,
                    exc,
                    REDIS_RETRY_SECONDS,
                )
            self._redis_healthy = False
            self._redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS
            return None
        self._redis_healthy = True
        return outcome

    @staticmethod
    async def _hit(limiter: MovingWindowRateLimiter, policy: Policy, identifiers: tuple[str, str]) -> Outcome:
        allowed = await limiter.hit(policy.item, *identifiers)
        stats = await limiter.get_window_stats(policy.item, *identifiers)
        return Outcome(policy, allowed, max(0, int(stats.remaining)), float(stats.reset_time))

    async def enforce(
        self, request: Request, policy: Policy, key: str, *, quiet: bool = False
    ) -> Outcome | None:
        """Count one request; raise `RateLimited` (429) when over the limit. The middleware adds the headers
        (with `quiet`, only when this policy refuses).

        Agent endpoints call `await limiter.enforce(request, limiter.agent, key=f"user:{user.id}")`.
        """
        if not self.enabled:
            return None
        outcome = await self.hit(policy, key)
        if not outcome.allowed or not quiet:  # `quiet`: the headers speak of this policy only when it refuses
            request.scope[SCOPE_KEY] = outcome
        if not outcome.allowed:
            raise RateLimited(
                f"Rate limit exceeded: {policy.limit} per minute. Try again later.", headers=outcome.headers()
            )
        return outcome

    async def close(self) -> None:
        if self._redis is not None:
            storage: Any = self._redis.storage
            close = getattr(storage, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    await close()


def redis_storage(redis_url: str, *, key_prefix: str) -> Any:
    """`limits`' async Redis storage (coredis) with short timeouts and no client-side retries."""
    url = redis_url
    for scheme in ("redis://", "rediss://", "redis+unix://"):
        if url.startswith(scheme):
            url = "async+" + url
            break
    options: dict[str, Any] = {
        "connect_timeout": REDIS_CONNECT_TIMEOUT_SECONDS,
        "stream_timeout": REDIS_CONNECT_TIMEOUT_SECONDS,
        # coredis retries connection errors twice by default, multiplying the wait on a dead server.
        "retry_policy": NoRetryPolicy(),
    }
    return storage_from_string(url, wrap_exceptions=True, key_prefix=key_prefix, **options)


_DOTTED_QUAD = re.compile(r"[0-9]{1,10}(\.[0-9]{1,10}){3}")


def _parse_address(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address however it is spelt: leading zeros dropped (`010.000.000.001` is 10.0.0.1), an
    IPv4-mapped IPv6 address as its IPv4 address; None when it is no address."""
    text = address.strip()
    if _DOTTED_QUAD.fullmatch(text):
        text = ".".join(str(int(part)) for part in text.split("."))
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def client_key(address: str) -> str:
    """One key per client, however its address is spelt (`_parse_address`), an IPv6 address counting as
    its /64, the block one subscriber holds. Anything unparseable is kept as given (bounded)."""
    ip = _parse_address(address)
    if ip is None:
        return address.strip()[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def client_address(request: Request, trusted_proxies: list[str]) -> str:
    """The caller's address as its rate-limit key (`client_key`); X-Forwarded-For is believed only when
    the peer is a named proxy."""
    return client_key(_raw_client_address(request, trusted_proxies))


def _is_trusted(address: str, trusted_proxies: list[str]) -> bool:
    # The peer's own address, not its /64: a proxy is trusted by its exact address or network.
    ip = _parse_address(address)
    return ip is not None and any(
        ip in ipaddress.ip_network(network, strict=False) for network in trusted_proxies
    )


def request_is_https(request: Request, trusted_proxies: list[str]) -> bool:
    """Whether the client reached us over HTTPS: the connection's scheme, or X-Forwarded-Proto when the
    peer is a named proxy (the same proxies whose X-Forwarded-For is believed)."""
    if request.url.scheme == "https":
        return True
    proto = request.headers.get("x-forwarded-proto")
    peer = request.client.host if request.client else ""
    if proto is None or not _is_trusted(peer, trusted_proxies):
        return False
    return proto.split(",")[0].strip().lower() == "https"


def _raw_client_address(request: Request, trusted_proxies: list[str]) -> str:
    peer = request.client.host if request.client else "unknown"
    if not trusted_proxies or "x-forwarded-for" not in request.headers:
        return peer

    def trusted(address: str) -> bool:
        return _is_trusted(address, trusted_proxies)

    if not trusted(peer):
        return peer
    # Walk from the nearest hop back; the first address no trusted proxy vouches for is the client.
    hops = [hop.strip() for hop in request.headers["x-forwarded-for"].split(",") if hop.strip()]
    for hop in reversed(hops):
        if not trusted(hop):
            return hop
    return hops[0] if hops else peer


class RateLimitHeadersMiddleware:
    """Adds the rate-limit headers recorded on the scope to the response, streamed or not."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            outcome: Outcome | None = scope.get(SCOPE_KEY)
            if message["type"] == "http.response.start" and outcome is not None:
                existing = {name.lower() for name, _ in message.get("headers", [])}
                extra = [
                    (name.lower().encode(), value.encode())
                    for name, value in outcome.headers().items()
                    if name.lower().encode() not in existing
                ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)

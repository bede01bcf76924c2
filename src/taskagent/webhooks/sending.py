"""Sending the outbox: one pass takes the deliveries whose time has come, signs and POSTs each.

Claiming: a pass moves a delivery's `next_attempt_at` forward by `LEASE` and commits before any HTTP call.
On PostgreSQL the rows are read `FOR UPDATE SKIP LOCKED` (workers on every host take disjoint rows without
waiting for each other); on SQLite (one serving process) a compare-and-set UPDATE on `next_attempt_at`
claims each. Either way a delivery is POSTed by one worker at a time, and one whose worker died mid-send is
taken again when its lease ends: delivery is at least once, the receiver de-duplicates by `webhook-id`.

Signing (Standard Webhooks): `webhook-id` is `msg_<delivery id>` (the same on every retry),
`webhook-timestamp` the attempt's Unix time, `webhook-signature` `v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}" keyed with the secret's base64-decoded bytes>`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx2
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from taskagent.background import PollingWorker, lease_due, retry_at
from taskagent.config import Settings
from taskagent.db import utcnow
from taskagent.webhooks.addresses import RefusedAddressError, ResolveError, check_destination
from taskagent.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery

log = logging.getLogger(__name__)

# After the first attempt fails, the next ones wait this long (Standard Webhooks' suggested schedule);
# when the last of these fails too, the delivery has failed for good: 7 attempts over about 17.5 hours.
RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
TIMEOUT_SECONDS = 10.0
# How long a claim holds a delivery: longer than an attempt can take (DNS + the HTTP timeout).
LEASE = timedelta(seconds=60)
BATCH = 50  # deliveries a pass claims
CONCURRENCY = 10  # POSTs in flight at once per pass
MAX_ERROR = 200  # characters of an error (or of a response) kept in the log


def new_http_client() -> httpx2.AsyncClient:
    """The client deliveries go out through: no redirects followed (a 3xx is a failure), no proxies from
    the environment (they would bypass the address check), bounded time."""
    return httpx2.AsyncClient(
        timeout=httpx2.Timeout(TIMEOUT_SECONDS),
        follow_redirects=False,
        trust_env=False,
        headers={"user-agent": "TaskAgent-Webhooks"},
    )


def message_id(delivery_id: int) -> str:
    return f"msg_{delivery_id}"


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return f"v1,{base64.b64encode(digest).decode()}"


@dataclass(frozen=True)
class Pass:
    succeeded: int
    failed: int  # attempts that failed (some will be retried)
    backlog: int  # deliveries due and not yet sent, after this pass


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker holds (its lease committed) and what sending it takes."""

    id: int
    payload: str
    attempts: int
    url: str
    secret: str


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None = None
    error: str | None = None
    final: bool = False  # no retry (a refused address)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 1] + "…"


async def _claim(session: AsyncSession, now: datetime) -> list[Claimed]:
    """Take up to BATCH due deliveries for this worker (their lease committed by the caller)."""
    columns = (
        WebhookDelivery.id,
        WebhookDelivery.payload,
        WebhookDelivery.attempts,
        WebhookDelivery.next_attempt_at,
        Webhook.url,
        Webhook.secret,
    )
    due = (
        select(*columns)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(
            WebhookDelivery.status == DeliveryStatus.pending.value,
            WebhookDelivery.next_attempt_at <= now,
        )
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(BATCH)
    )
    still_due = (WebhookDelivery.status == DeliveryStatus.pending.value,)
    rows = await lease_due(
        session, due, WebhookDelivery, still_due, WebhookDelivery.next_attempt_at, now + LEASE
    )
    return [_claimed(row) for row in rows]


def _claimed(row: Any) -> Claimed:  # a row of _claim's select
    return Claimed(id=row.id, payload=row.payload, attempts=row.attempts, url=row.url, secret=row.secret)


async def _attempt(http: httpx2.AsyncClient, settings: Settings, row: Claimed) -> Outcome:
    try:
        destination = await check_destination(
            row.url, allow_private=settings.webhook_allow_private, must_resolve=True
        )
    except RefusedAddressError as refused:
        return Outcome(ok=False, error=_clip(f"not sent: {refused}"), final=True)
    except ResolveError as unresolved:
        return Outcome(ok=False, error=_clip(str(unresolved)))
    msg_id = message_id(row.id)
    timestamp = int(time.time())  # the real time of sending: receivers check it against their clock
    headers = {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(row.secret, msg_id, timestamp, row.payload),
    }
    url = httpx2.URL(row.url)
    extensions: dict[str, Any] = {}
    if destination.address is not None and url.host != str(destination.address):
        # Connect to the address that was checked; the name stays in Host and in TLS (SNI, certificate).
        headers["host"] = url.netloc.decode("ascii").rpartition("@")[2]
        if url.scheme == "https":
            extensions["sni_hostname"] = url.host
        url = url.copy_with(host=str(destination.address))
    try:
        response = await http.post(url, content=row.payload.encode(), headers=headers, extensions=extensions)
    except httpx2.HTTPError as failure:
        name = type(failure).__name__
        return Outcome(ok=False, error=_clip(f"{name}: {failure}" if str(failure) else name))
    if 200 <= response.status_code < 300:
        return Outcome(ok=True, status=response.status_code)
    text = response.text[:MAX_ERROR] if response.content else ""
    error = f"HTTP {response.status_code}" + (f": {text}" if text.strip() else "")
    return Outcome(ok=False, status=response.status_code, error=_clip(error))


async def _record(session: AsyncSession, row: Claimed, outcome: Outcome, now: datetime) -> None:
    attempts = row.attempts + 1
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_response_status": outcome.status,
        "last_error": outcome.error,
    }
    retry = None if outcome.ok or outcome.final else retry_at(RETRY_SCHEDULE, attempts, now)
    if outcome.ok:
        values |= {"status": DeliveryStatus.succeeded.value, "next_attempt_at": None, "delivered_at": now}
    elif retry is None:
        values |= {"status": DeliveryStatus.failed.value, "next_attempt_at": None}
    else:
        values["next_attempt_at"] = retry
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == row.id, WebhookDelivery.status == DeliveryStatus.pending.value)
        .values(values)
        .execution_options(synchronize_session=False)
    )


async def send_due(
    session_factory: async_sessionmaker[AsyncSession],
    http_client: httpx2.AsyncClient,
    settings: Settings,
    now: datetime | None = None,
) -> Pass:
    """One pass: send every delivery due by `now` (the retry schedule counts from it)."""
    now = now or utcnow()
    async with session_factory() as session:
        claimed = await _claim(session, now)
        await session.commit()  # the lease holds before any POST
    slots = asyncio.Semaphore(CONCURRENCY)

    async def attempt(row: Claimed) -> Outcome:
        async with slots:
            return await _attempt(http_client, settings, row)

    outcomes = await asyncio.gather(*(attempt(row) for row in claimed))
    async with session_factory() as session:
        for row, outcome in zip(claimed, outcomes, strict=True):
            if not outcome.ok:
                log.info("webhook delivery %s failed: %s", message_id(row.id), outcome.error)
            await _record(session, row, outcome, now)
        backlog = (
            await session.execute(
                select(func.count()).where(
                    WebhookDelivery.status == DeliveryStatus.pending.value,
                    WebhookDelivery.next_attempt_at <= now,
                )
            )
        ).scalar_one()
        await session.commit()
    succeeded = sum(outcome.ok for outcome in outcomes)
    return Pass(succeeded=succeeded, failed=len(outcomes) - succeeded, backlog=int(backlog))


class WebhookWorker(PollingWorker):
    """Runs `send_due` in the background loop (taskagent.background), with its own HTTP client."""

    name = "webhooks"

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], settings: Settings) -> None:
        super().__init__(settings.webhook_poll_seconds)
        self.session_factory, self.settings = session_factory, settings
        self.http_client = new_http_client()

    async def run_pass(self) -> int:
        return (await send_due(self.session_factory, self.http_client, self.settings)).backlog

    async def aclose(self) -> None:
        await super().aclose()
        await self.http_client.aclose()

"""The outbox: an event becomes one delivery row per webhook of its owner that asked for it, written in the
transaction of the change itself (so a change that rolls back sends nothing, and one that commits is sent
even if the server stops a moment later). The sending pass (`webhooks.sending`) takes them from there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, exists, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from taskagent.db import utcnow
from taskagent.webhooks.models import DeliveryStatus, EventType, Webhook, WebhookDelivery

# What a `reminder.due` event carries (from the notification written).
REMINDER_FIELDS = ("task_id", "title", "due_date", "remind_at", "late")

EventData = Mapping[str, Any] | Callable[[], Mapping[str, Any]]


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with `Z`, as the REST API writes times."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _default(value: object) -> object:
    if isinstance(value, datetime):
        return timestamp(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def body(event: EventType, data: Mapping[str, Any], at: datetime) -> str:
    """The payload (Standard Webhooks): `{"type", "timestamp", "data"}`."""
    document = {"type": event.value, "timestamp": timestamp(at), "data": data}
    return json.dumps(document, default=_default, ensure_ascii=False, separators=(",", ":"))


# Built once (it runs for every change of a task): SQLAlchemy computes its cache key once.
_HOOKS = select(Webhook.id, Webhook.events).where(Webhook.owner_id == bindparam("owner_id"))


# Whether the owner (bound as `webhooks_owner_id`) has any webhook, to read inside another statement of the
# same change (a task's trail entry returns it): most users have none, and then an event costs no round trip.
OWNER_HAS_WEBHOOKS = exists().where(Webhook.owner_id == bindparam("webhooks_owner_id"))


async def enqueue(
    session: AsyncSession,
    owner_id: int,
    event: EventType,
    data: EventData,
    *,
    now: datetime | None = None,
    has_webhooks: bool = True,
) -> int:
    """Write a delivery of `event` for each of the owner's webhooks that asked for it; how many.

    `data` may be a function: it is called only when some webhook wants the event (a task's serialisation
    costs nothing for the users who have none). One indexed query, none when the caller already read
    `OWNER_HAS_WEBHOOKS` as false in this transaction."""
    if not has_webhooks:
        return 0
    hooks = (await session.execute(_HOOKS, {"owner_id": owner_id})).all()
    wanted = [hook.id for hook in hooks if event.value in hook.events]
    if not wanted:
        return 0
    now = now or utcnow()
    payload = body(event, data() if callable(data) else data, now)
    rows = [
        {
            "webhook_id": webhook_id,
            "event": event.value,
            "payload": payload,
            "status": DeliveryStatus.pending.value,
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
        }
        for webhook_id in wanted
    ]
    await session.execute(insert(WebhookDelivery), rows)
    return len(rows)

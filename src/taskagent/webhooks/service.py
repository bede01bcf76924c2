"""Registering a webhook: the URL checked (form and SSRF), the per-user limit, a new secret."""

from __future__ import annotations

import base64
import secrets

from sqlalchemy.ext.asyncio import AsyncSession

from taskagent.db import utcnow
from taskagent.errors import Conflict, InvalidRequest, issue
from taskagent.webhooks.addresses import RefusedAddressError, check_destination
from taskagent.webhooks.models import Webhook
from taskagent.webhooks.repository import WebhookRepository
from taskagent.webhooks.schemas import WebhookCreate

MAX_WEBHOOKS = 20
SECRET_BYTES = 32


class TooManyWebhooksError(Conflict):
    description = f"The user has {MAX_WEBHOOKS} webhooks already, the most allowed"

    def __init__(self) -> None:
        super().__init__(f"You have {MAX_WEBHOOKS} webhooks, the most allowed; delete one first")


class InvalidWebhookURLError(InvalidRequest, ValueError):
    def __init__(self, message: str) -> None:
        super().__init__([issue(("body", "url"), message)])


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


async def register(
    session: AsyncSession, owner_id: int, data: WebhookCreate, *, allow_private: bool
) -> Webhook:
    try:
        # A name that does not resolve now is accepted: every delivery checks it again before sending.
        await check_destination(data.url, allow_private=allow_private, must_resolve=False)
    except RefusedAddressError as refused:
        raise InvalidWebhookURLError(str(refused)) from None
    webhooks = WebhookRepository(session, owner_id)
    await webhooks.lock_owner()
    if await webhooks.count() >= MAX_WEBHOOKS:
        raise TooManyWebhooksError
    webhook = Webhook(
        url=data.url,
        events=[event.value for event in data.events],
        secret=new_secret(),
        created_at=utcnow(),
    )
    return await webhooks.add(webhook)

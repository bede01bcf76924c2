"""The user's webhooks and their deliveries; every query is filtered by the owner here."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from taskagent.auth.models import User
from taskagent.db import is_row_id
from taskagent.webhooks.models import Webhook, WebhookDelivery


class WebhookRepository:
    def __init__(self, session: AsyncSession, owner_id: int) -> None:
        self.session, self.owner_id = session, owner_id

    async def lock_owner(self) -> None:
        """Serialise this user's registrations (PostgreSQL), so that two at once cannot pass the limit."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(select(User.id).where(User.id == self.owner_id).with_for_update())

    async def count(self) -> int:
        statement = select(func.count()).where(Webhook.owner_id == self.owner_id)
        return int((await self.session.execute(statement)).scalar_one())

    async def add(self, webhook: Webhook) -> Webhook:
        webhook.owner_id = self.owner_id
        self.session.add(webhook)
        await self.session.flush()
        return webhook

    async def all(self) -> list[Webhook]:
        statement = select(Webhook).where(Webhook.owner_id == self.owner_id).order_by(Webhook.id)
        return list((await self.session.scalars(statement)).all())

    async def get(self, webhook_id: int) -> Webhook | None:
        if not is_row_id(webhook_id):
            return None
        statement = select(Webhook).where(Webhook.owner_id == self.owner_id, Webhook.id == webhook_id)
        return (await self.session.scalars(statement)).one_or_none()

    async def delete(self, webhook_id: int) -> bool:
        """Delete it (its deliveries go with it: the database cascades); False when there is none."""
        if not is_row_id(webhook_id):
            return False
        result = await self.session.execute(
            delete(Webhook).where(Webhook.owner_id == self.owner_id, Webhook.id == webhook_id)
        )
        return bool(getattr(result, "rowcount", 0))

    async def deliveries(self, webhook_id: int, limit: int) -> list[WebhookDelivery] | None:
        """The webhook's deliveries, newest first; None when the webhook is not the user's."""
        if await self.get(webhook_id) is None:
            return None
        statement = (
            select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == webhook_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
        return list((await self.session.scalars(statement)).all())

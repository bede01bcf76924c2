"""The user's notifications; every query is filtered by the owner here, and shows only those sent to the
page (a reminder sent while the owner had `notify_web` off went by email alone)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from taskagent.db import is_row_id
from taskagent.notifications.models import Notification


class NotificationRepository:
    def __init__(self, session: AsyncSession, owner_id: int) -> None:
        self.session, self.owner_id = session, owner_id
        self.mine = (Notification.owner_id == owner_id, Notification.web.is_(True))

    async def newest(self, limit: int, *, unread_only: bool) -> list[Notification]:
        statement = select(Notification).where(*self.mine)
        if unread_only:
            statement = statement.where(Notification.read_at.is_(None))
        statement = statement.order_by(Notification.id.desc()).limit(limit)
        return list((await self.session.scalars(statement)).all())

    async def unread(self) -> int:
        statement = select(func.count()).where(*self.mine, Notification.read_at.is_(None))
        return int((await self.session.execute(statement)).scalar_one())

    async def get(self, notification_id: int) -> Notification | None:
        if not is_row_id(notification_id):
            return None
        statement = select(Notification).where(*self.mine, Notification.id == notification_id)
        return (await self.session.scalars(statement)).one_or_none()

    async def mark_all_read(self, now: datetime) -> int:
        statement = update(Notification).where(*self.mine, Notification.read_at.is_(None)).values(read_at=now)
        result = await self.session.execute(statement)
        return int(getattr(result, "rowcount", 0))

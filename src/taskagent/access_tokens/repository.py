"""Access-token rows. Everything a user does with their tokens is filtered by the owner here; the one
lookup that is not (`find_by_hash`) is authentication itself, which does not know the owner yet."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from taskagent.access_tokens.models import AccessToken
from taskagent.db import is_row_id

# `last_used_at` is written at most this often per token: a write on every request would cost a
# round trip (and on SQLite a lock) for a time nobody needs to the second.
LAST_USED_RESOLUTION = timedelta(seconds=60)


class AccessTokenRepository:
    def __init__(self, session: AsyncSession, owner_id: int) -> None:
        self.session, self.owner_id = session, owner_id

    async def add(self, token: AccessToken) -> AccessToken:
        token.owner_id = self.owner_id
        self.session.add(token)
        await self.session.flush()
        return token

    async def all(self) -> list[AccessToken]:
        statement = select(AccessToken).where(AccessToken.owner_id == self.owner_id).order_by(AccessToken.id)
        return list((await self.session.scalars(statement)).all())

    async def count(self) -> int:
        statement = select(func.count()).where(AccessToken.owner_id == self.owner_id)
        return int((await self.session.execute(statement)).scalar_one())

    async def delete(self, token_id: int) -> bool:
        if not is_row_id(token_id):
            return False
        statement = delete(AccessToken).where(
            AccessToken.id == token_id, AccessToken.owner_id == self.owner_id
        )
        result = await self.session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def delete_all(self) -> int:
        result = await self.session.execute(delete(AccessToken).where(AccessToken.owner_id == self.owner_id))
        return int(result.rowcount)  # type: ignore[attr-defined]


async def find_by_hash(session: AsyncSession, token_hash: str) -> AccessToken | None:
    statement = select(AccessToken).where(AccessToken.token_hash == token_hash)
    return (await session.execute(statement)).scalar_one_or_none()


async def mark_used(session: AsyncSession, token_id: int, now: datetime) -> None:
    await session.execute(
        update(AccessToken)
        .where(
            AccessToken.id == token_id,
            or_(AccessToken.last_used_at.is_(None), AccessToken.last_used_at < now - LAST_USED_RESOLUTION),
        )
        .values(last_used_at=now)
    )

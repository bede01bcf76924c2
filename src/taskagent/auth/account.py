"""The account itself: changing its password and deleting it. Either ends every way in that the user
had (sessions, access tokens, bearer JWTs) in the same transaction."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from taskagent.access_tokens.service import AccessTokenService
from taskagent.auth.models import User
from taskagent.auth.passwords import PasswordHasher, check_new_password
from taskagent.auth.repository import SessionRepository
from taskagent.db import utcnow
from taskagent.errors import InvalidRequest


class AccountService:
    def __init__(self, session: AsyncSession, hasher: PasswordHasher, user: User, secret_key: str) -> None:
        self.session, self.hasher, self.secret_key = session, hasher, secret_key
        self.user_id, self._password_hash = user.id, user.password_hash

    async def _check_password(self, password: str, field: str) -> None:
        # No connection held while Argon2 runs: the request's read transaction ends first.
        await self.session.close()
        if not await self.hasher.verify(password, self._password_hash):
            raise InvalidRequest.at(["body", field], "Incorrect password; nothing was changed")

    async def change_password(self, current_password: str, new_password: str) -> float:
        """Returns the new `tokens_valid_after`, in seconds since the epoch."""
        await self._check_password(current_password, "current_password")
        await check_new_password(new_password, ("body", "new_password"))  # the common-password policy
        new_hash = await self.hasher.hash(new_password)
        now = utcnow()
        await self.session.execute(
            update(User).where(User.id == self.user_id).values(password_hash=new_hash, tokens_valid_after=now)
        )
        await self._end_every_sign_in()
        return now.timestamp()

    async def delete(self, password: str) -> None:
        """Every row of the user goes with it (each table's foreign key to users cascades)."""
        await self._check_password(password, "password")
        await self._end_every_sign_in()
        await self.session.execute(delete(User).where(User.id == self.user_id))

    async def _end_every_sign_in(self) -> None:
        await SessionRepository(self.session).end_all(self.user_id)
        await AccessTokenService(self.session, self.user_id, self.secret_key).revoke_all()

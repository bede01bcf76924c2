from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from taskagent.auth.models import User
from taskagent.auth.passwords import PasswordHasher
from taskagent.auth.repository import UserRepository


class EmailTakenError(Exception):
    pass


class AuthService:
    def __init__(self, session: AsyncSession, hasher: PasswordHasher) -> None:
        self.users = UserRepository(session)
        self.hasher = hasher

    async def signup(self, email: str, password: str) -> User:
        if await self.users.get_by_email(email) is not None:
            raise EmailTakenError
        user = User(email=email, password_hash=await self.hasher.hash(password), timezone="UTC")
        try:
            return await self.users.add(user)
        except IntegrityError as exc:  # a concurrent signup won the race for this email
            raise EmailTakenError from exc

    async def authenticate(self, email: str, password: str) -> User | None:
        """The user for these credentials, or None; the same hashing work either way."""
        user = await self.users.get_by_email(email)
        ok = await self.hasher.verify(password, user.password_hash if user else None)
        return user if ok else None

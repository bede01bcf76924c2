from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from taskagent.auth.models import User
from taskagent.auth.passwords import MAX_PASSWORD_LENGTH, PasswordHasher, check_new_password
from taskagent.auth.repository import UserRepository
from taskagent.errors import Conflict


class EmailTakenError(Conflict):
    description = "The email is already registered (in any case)"

    def __init__(self) -> None:
        super().__init__("This email is already registered")


class AuthService:
    def __init__(self, session: AsyncSession, hasher: PasswordHasher) -> None:
        self.session = session
        self.users = UserRepository(session)
        self.hasher = hasher

    async def signup(self, email: str, password: str) -> User:
        await check_new_password(password)
        # Hash first: no database connection is held while Argon2 runs (or waits for a hashing slot).
        password_hash = await self.hasher.hash(password)
        if await self.users.get_by_email(email) is not None:
            raise EmailTakenError
        user = User(email=email, password_hash=password_hash, timezone="UTC")
        try:
            return await self.users.add(user)
        except IntegrityError as exc:  # a concurrent signup won the race for this email
            raise EmailTakenError from exc

    async def authenticate(self, email: str, password: str) -> User | None:
        """The user for these credentials, or None; the same hashing work either way.

        Ends the session's read transaction before hashing, so a burst of logins queueing for the
        hasher does not hold the pool's connections: call it before any write in the request.
        """
        if len(password) > MAX_PASSWORD_LENGTH:  # no stored password is that long: refuse without hashing
            return None
        user = await self.users.get_by_email(email)
        await self.session.close()  # `user` stays usable (loaded, detached); the session can be reused
        ok = await self.hasher.verify(password, user.password_hash if user else None)
        return user if ok else None

from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from taskagent.auth.models import AuthSession, User
from taskagent.db import is_row_id, utcnow


def canonical_email(email: str) -> str:
    """The form an email is stored and looked up in.

    Lower-cased in Python rather than only by SQL `lower()`: SQLite's `lower()` folds ASCII only, so
    "Émile@x.org" and "émile@x.org" would otherwise be two accounts there and one on PostgreSQL.
    """
    return unicodedata.normalize("NFC", email.strip()).lower()


def _storable(text: str) -> bool:
    """Whether a database can hold this text (PostgreSQL refuses NUL; no driver encodes surrogates)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> User | None:
        if not is_row_id(user_id):
            return None
        return await self.session.get(User, user_id)

    async def exists(self, user_id: int) -> bool:
        if not is_row_id(user_id):
            return False
        statement = select(User.id).where(User.id == user_id)
        return (await self.session.execute(statement)).scalar_one_or_none() is not None

    async def tokens_valid_after(self, user_id: int) -> float | None:
        """When the user's bearer JWTs start to be valid, in seconds since the epoch (0.0: always);
        None when there is no such user."""
        if not is_row_id(user_id):
            return None
        statement = select(User.id, User.tokens_valid_after).where(User.id == user_id)
        row = (await self.session.execute(statement)).one_or_none()
        if row is None:
            return None
        return 0.0 if row.tokens_valid_after is None else row.tokens_valid_after.timestamp()

    async def get_by_email(self, email: str) -> User | None:
        email = canonical_email(email)
        if not _storable(email):
            return None
        statement = select(User).where(func.lower(User.email) == email)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def add(self, user: User) -> User:
        user.email = canonical_email(user.email)
        self.session.add(user)
        await self.session.flush()
        return user


class SessionRepository:
    """Server-side sessions: a row per signed-in session, read by primary key on each cookie request."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def start(self, user_id: int, expires_at: datetime) -> str:
        session_id = secrets.token_urlsafe(32)
        self.session.add(AuthSession(id=session_id, user_id=user_id, expires_at=expires_at))
        await self.session.flush()
        return session_id

    async def is_active(self, session_id: str, user_id: int) -> bool:
        row = await self.session.get(AuthSession, session_id)
        return row is not None and row.user_id == user_id and row.expires_at > utcnow()

    async def end(self, session_id: str) -> None:
        await self.session.execute(delete(AuthSession).where(AuthSession.id == session_id))

    async def end_all(self, user_id: int) -> None:
        """Sign the user out everywhere: for a password change or the account's deletion."""
        await self.session.execute(delete(AuthSession).where(AuthSession.user_id == user_id))

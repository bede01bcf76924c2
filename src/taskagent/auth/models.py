from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, false, func, true
from sqlalchemy.orm import Mapped, mapped_column

from taskagent.db import Base, UTCDateTime, utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored in canonical form (stripped, NFC, lower case: see auth.repository.canonical_email), so
    # the same address in another case is the same account on every backend; the unique index on
    # lower(email) backs it up.
    email: Mapped[str] = mapped_column(String(320))
    password_hash: Mapped[str] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Bearer JWTs issued before this instant are refused (set by a password change); None: all are valid.
    tokens_valid_after: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Where reminders go: the page's notification list, and email (when the server has SMTP_URL).
    notify_web: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    notify_email: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (Index("uq_users_email_lower", func.lower(email), unique=True),)


class AuthSession(Base):
    """A signed-in web session. The session cookie names its id; the session lasts while this row does,
    so deleting it (sign-out, a password change, the account's deletion) ends it on every worker at once."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

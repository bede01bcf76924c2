from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from taskagent.db import Base, UTCDateTime, utcnow

# users.id is a 32-bit INTEGER: larger ids cannot exist (and PostgreSQL refuses them as parameters).
MAX_USER_ID = 2**31 - 1


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

    __table_args__ = (Index("uq_users_email_lower", func.lower(email), unique=True),)

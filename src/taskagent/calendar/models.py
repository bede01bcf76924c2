from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from taskagent.db import Base, UTCDateTime, utcnow


class CalendarFeed(Base):
    """A user's calendar feed: the secret in its URL. Kept as is (the user may ask for the URL again);
    it grants nothing but reading the user's dated tasks, and rotating it replaces it."""

    __tablename__ = "calendar_feeds"

    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("uq_calendar_feeds_secret", "secret", unique=True),)

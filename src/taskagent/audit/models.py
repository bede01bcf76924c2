"""One row per change of a task (created, updated, deleted), kept after the task is gone."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from taskagent.db import Base, UTCDateTime, utcnow


class Channel(enum.StrEnum):
    """Through which way in a change came (names fixed by the product contract)."""

    rest = "rest"  # the REST API with a bearer JWT or an access token
    web = "web"  # the web page (its session cookie)
    chat = "chat"  # the assistant's tools in a chat turn
    help = "help"  # a specialist's tools in a help or schedule request (MCP's ask_for_help included)
    mcp = "mcp"  # an MCP client's tool call
    system = "system"  # the service itself, with no user acting


class HistoryAction(enum.StrEnum):
    created = "created"
    updated = "updated"
    deleted = "deleted"


class TaskHistory(Base):
    __tablename__ = "task_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The owner, so that deleting the account deletes the trail; the task id has no foreign key: the
    # trail outlives the task.
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The user who acted (None: the system).
    actor_id: Mapped[int | None] = mapped_column(Integer, default=None)
    channel: Mapped[Channel] = mapped_column(
        Enum(Channel, native_enum=False, length=16, validate_strings=True)
    )
    action: Mapped[HistoryAction] = mapped_column(
        Enum(HistoryAction, native_enum=False, length=16, validate_strings=True)
    )
    # field -> {"from": old, "to": new}, values as the REST API shows them (JSON)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_task_history_owner_task", "owner_id", "task_id", "id"),)

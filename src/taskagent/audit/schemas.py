from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from taskagent.audit.models import Channel, HistoryAction


class Actor(BaseModel):
    id: int
    email: str | None = Field(description="The user's address (None once the account is gone)")


class FieldChange(BaseModel):
    from_: Any = Field(alias="from", serialization_alias="from")
    to: Any


class HistoryEntry(BaseModel):
    at: datetime
    actor: Actor | None = Field(description="Who made the change; null for the service itself (`system`)")
    channel: Channel
    action: HistoryAction
    changes: dict[str, FieldChange] = Field(
        description="field -> {from, to}, values as the task shows them; a creation has `from` null for "
        "every field it set, a deletion `to` null for every field the task had"
    )

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from taskagent.notifications.models import EmailState


class NotificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    task_id: int = Field(description="The task it is about (it may have been deleted since)")
    title: str = Field(description="The task's title when the reminder was sent")
    due_date: datetime | None
    remind_at: datetime = Field(description="When the reminder was due")
    created_at: datetime = Field(description="When it was sent")
    late: bool = Field(description="Sent well after remind_at: the server was not running at the time")
    read: bool
    email: EmailState | None = Field(
        description="By email: pending (to be sent, or retried after a failure), sent, failed; "
        "null: not sent by email",
    )


class NotificationList(BaseModel):
    notifications: list[NotificationRead] = Field(description="Newest first")
    unread: int = Field(description="How many of all your notifications are unread")

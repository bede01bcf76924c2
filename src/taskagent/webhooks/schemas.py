from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from taskagent.webhooks.addresses import MAX_URL_LENGTH
from taskagent.webhooks.models import DeliveryStatus, EventType


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=1,
        max_length=MAX_URL_LENGTH,
        description="An http:// or https:// URL on the public internet (see WEBHOOK_ALLOW_PRIVATE)",
    )
    events: list[EventType] = Field(min_length=1, max_length=20, description="What it receives")

    @field_validator("events")
    @classmethod
    def _once_each(cls, events: list[EventType]) -> list[EventType]:
        return list(dict.fromkeys(events))


class WebhookRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    events: list[EventType]
    created_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(
        description="Signs every delivery (`whsec_<base64>`, Standard Webhooks). Shown this once: keep it"
    )


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    message_id: str = Field(description="The `webhook-id` header it is sent with (the same on every retry)")
    event: EventType
    status: DeliveryStatus
    attempts: int
    last_response_status: int | None = Field(description="The receiver's HTTP status at the last attempt")
    last_error: str | None = Field(description="Why the last attempt failed (short)")
    created_at: datetime
    next_attempt_at: datetime | None = Field(description="When it is tried next (null: done)")
    delivered_at: datetime | None

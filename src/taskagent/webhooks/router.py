from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from taskagent.dependencies import CurrentUserId, SessionDep, SettingsDep
from taskagent.errors import Conflict, Forbidden, InvalidRequest, NotFound, Unauthorized, error_responses
from taskagent.webhooks.models import WebhookDelivery
from taskagent.webhooks.repository import WebhookRepository
from taskagent.webhooks.schemas import DeliveryRead, WebhookCreate, WebhookCreated, WebhookRead
from taskagent.webhooks.sending import message_id
from taskagent.webhooks.service import TooManyWebhooksError, register

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


class WebhookNotFoundError(NotFound):
    description = "No such webhook for this user (also another user's)"

    def __init__(self, webhook_id: int) -> None:
        super().__init__(f"Webhook {webhook_id} not found")


def _delivery(delivery: WebhookDelivery) -> DeliveryRead:
    fields = {name: getattr(delivery, name) for name in DeliveryRead.model_fields if name != "message_id"}
    return DeliveryRead.model_validate({**fields, "message_id": message_id(delivery.id)})


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    responses=error_responses(
        Unauthorized,
        Forbidden,
        Conflict,
        InvalidRequest,
        conflict=TooManyWebhooksError.description,
        invalid_request="Events empty or unknown; a URL that is not http(s), too long, or not public",
    ),
)
async def create_webhook(
    body: WebhookCreate, session: SessionDep, user_id: CurrentUserId, settings: SettingsDep
) -> WebhookCreated:
    """Register a URL for events. The answer holds the signing `secret`, shown only this once."""
    webhook = await register(session, user_id, body, allow_private=settings.webhook_allow_private)
    return WebhookCreated.model_validate(webhook)


@router.get("", response_model=list[WebhookRead], responses=error_responses(Unauthorized, Forbidden))
async def list_webhooks(session: SessionDep, user_id: CurrentUserId) -> list[WebhookRead]:
    """Your webhooks, oldest first (without their secrets)."""
    return [WebhookRead.model_validate(each) for each in await WebhookRepository(session, user_id).all()]


@router.delete(
    "/{webhook_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(Unauthorized, Forbidden, WebhookNotFoundError),
)
async def delete_webhook(webhook_id: int, session: SessionDep, user_id: CurrentUserId) -> None:
    """Delete a webhook and its delivery log; nothing more is sent to it."""
    if not await WebhookRepository(session, user_id).delete(webhook_id):
        raise WebhookNotFoundError(webhook_id)


@router.get(
    "/{webhook_id:int}/deliveries",
    response_model=list[DeliveryRead],
    responses=error_responses(Unauthorized, Forbidden, WebhookNotFoundError),
)
async def list_deliveries(
    webhook_id: int,
    session: SessionDep,
    user_id: CurrentUserId,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[DeliveryRead]:
    """The webhook's delivery log, newest first: each event, its status and its last attempt."""
    deliveries = await WebhookRepository(session, user_id).deliveries(webhook_id, limit)
    if deliveries is None:
        raise WebhookNotFoundError(webhook_id)
    return [_delivery(each) for each in deliveries]

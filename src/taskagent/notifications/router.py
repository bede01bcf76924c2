from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from taskagent.db import utcnow
from taskagent.dependencies import CurrentUserId, SessionDep
from taskagent.errors import Forbidden, NotFound, Unauthorized, error_responses
from taskagent.notifications.models import Notification
from taskagent.notifications.repository import NotificationRepository
from taskagent.notifications.schemas import NotificationList, NotificationRead

router = APIRouter(prefix="/notifications", tags=["notifications"])


class NotificationNotFoundError(NotFound):
    description = "No such notification for this user (also another user's)"

    def __init__(self, notification_id: int) -> None:
        super().__init__(f"Notification {notification_id} not found")


def _read(notification: Notification) -> NotificationRead:
    derived = {"read": notification.read_at is not None, "email": notification.email_state}
    fields = {
        name: getattr(notification, name) for name in NotificationRead.model_fields if name not in derived
    }
    return NotificationRead.model_validate(fields | derived)


@router.get("", response_model=NotificationList, responses=error_responses(Unauthorized, Forbidden))
async def list_notifications(
    session: SessionDep,
    user_id: CurrentUserId,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    unread: Annotated[bool, Query(description="Only the unread ones")] = False,
) -> NotificationList:
    """Your reminders that came due, newest first, and how many are unread."""
    notifications = NotificationRepository(session, user_id)
    newest = await notifications.newest(limit, unread_only=unread)
    return NotificationList(
        notifications=[_read(each) for each in newest], unread=await notifications.unread()
    )


@router.post(
    "/{notification_id:int}/read",
    response_model=NotificationRead,
    responses=error_responses(Unauthorized, Forbidden, NotificationNotFoundError),
)
async def mark_read(notification_id: int, session: SessionDep, user_id: CurrentUserId) -> NotificationRead:
    """Mark one as read (again is fine: it stays read, at its first time)."""
    notification = await NotificationRepository(session, user_id).get(notification_id)
    if notification is None:
        raise NotificationNotFoundError(notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
        await session.flush()
    return _read(notification)


@router.post(
    "/read",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(Unauthorized, Forbidden),
)
async def mark_all_read(session: SessionDep, user_id: CurrentUserId) -> None:
    """Mark every notification read."""
    await NotificationRepository(session, user_id).mark_all_read(utcnow())

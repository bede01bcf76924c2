from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from taskagent.access_tokens.dependencies import TokenScope
from taskagent.calendar.service import CalendarService, feed_ics, feed_owner
from taskagent.dependencies import CurrentUserId, SessionDep
from taskagent.errors import Forbidden, NotFound, Unauthorized, error_responses

router = APIRouter(tags=["calendar"])


class CalendarFeedURL(BaseModel):
    url: str = Field(description="The feed's secret address: anyone who has it can read your dated tasks")


async def get_calendar_service(session: SessionDep, user_id: CurrentUserId) -> CalendarService:
    return CalendarService(session, user_id)


CalendarServiceDep = Annotated[CalendarService, Depends(get_calendar_service)]


def _url(request: Request, secret: str) -> CalendarFeedURL:
    return CalendarFeedURL(url=str(request.url_for("calendar_feed", secret=f"{secret}.ics")))


@router.get(
    "/users/me/calendar",
    response_model=CalendarFeedURL,
    # An access token with the `calendar` scope may read the address, not change it.
    dependencies=[Depends(TokenScope("calendar"))],
    responses=error_responses(Unauthorized),
)
async def read_calendar_url(calendar: CalendarServiceDep, request: Request) -> CalendarFeedURL:
    """The address to subscribe to in a calendar app (made on first request)."""
    return _url(request, await calendar.secret())


@router.post(
    "/users/me/calendar/rotate",
    response_model=CalendarFeedURL,
    responses=error_responses(Unauthorized, Forbidden),
)
async def rotate_calendar_url(calendar: CalendarServiceDep, request: Request) -> CalendarFeedURL:
    """A new address; the old one answers 404 from now on."""
    return _url(request, await calendar.rotate())


@router.get(
    "/calendar/{secret}",
    name="calendar_feed",
    response_class=Response,
    responses={
        200: {
            "content": {"text/calendar": {}},
            "description": "iCalendar (RFC 5545): one event per dated task",
        },
        **error_responses(NotFound, not_found="No such feed (or an address that was rotated)"),
    },
)
async def calendar_feed(secret: str, session: SessionDep) -> Response:
    owner = await feed_owner(session, secret.removesuffix(".ics")) if secret.endswith(".ics") else None
    if owner is None:
        raise NotFound("No such calendar feed")
    return Response(
        await feed_ics(session, owner),
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300"},
    )

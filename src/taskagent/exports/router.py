from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response

from taskagent.access_tokens.dependencies import TokenScope
from taskagent.dependencies import CurrentUser, CurrentUserId, SessionDep
from taskagent.errors import Unauthorized, error_responses
from taskagent.exports.service import export_csv, export_json

router = APIRouter(tags=["export"])


@router.get(
    "/users/me/export",
    responses={
        200: {"description": "All your data: tasks, conversations, settings"},
        **error_responses(Unauthorized),
    },
)
async def export_everything(user: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """Your data as one JSON document (what `POST /users/me/import` reads back)."""
    return await export_json(session, user)


@router.get(
    "/tasks/export.csv",
    response_class=Response,
    dependencies=[Depends(TokenScope("tasks:read"))],
    responses={
        200: {"content": {"text/csv": {}}, "description": "One task a row"},
        **error_responses(Unauthorized),
    },
)
async def export_tasks_csv(user_id: CurrentUserId, session: SessionDep) -> Response:
    return Response(
        await export_csv(session, user_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="tasks.csv"'},
    )

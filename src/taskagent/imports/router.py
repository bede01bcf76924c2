from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response, status
from pydantic.json_schema import models_json_schema

from taskagent.access_tokens.dependencies import TokenScope
from taskagent.audit.models import Channel
from taskagent.auth.dependencies import signed_in_by_cookie
from taskagent.dependencies import CurrentUser, SessionDep
from taskagent.errors import Forbidden, InvalidRequest, Unauthorized, error_responses
from taskagent.imports.plan import TooManyTasksError
from taskagent.imports.schemas import ImportDocument, ImportFormat, ImportResult
from taskagent.imports.service import ImportService

router = APIRouter(tags=["export"])
_SCHEMAS = "#/components/schemas/"

_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"$ref": f"{_SCHEMAS}ImportDocument"}},
        "text/csv": {
            "schema": {"type": "string"},
            "example": "TYPE,CONTENT,DESCRIPTION,PRIORITY,INDENT,AUTHOR,RESPONSIBLE,DATE,DATE_LANG,TIMEZONE\n"
            "task,Plan the trip @travel,,1,1,,,2026-12-20,en,Europe/Paris\n",
        },
    },
}


@router.post(
    "/users/me/import",
    status_code=status.HTTP_201_CREATED,
    response_model=ImportResult,
    # An access token needs `tasks:write` (an import only creates tasks).
    dependencies=[Depends(TokenScope("tasks:write", "tasks:write"))],
    openapi_extra={"requestBody": _BODY},
    responses={
        200: {"model": ImportResult, "description": "Dry run: what the import would create; nothing stored"},
        201: {"description": "Imported: the tasks were created"},
        **error_responses(
            Unauthorized,
            Forbidden,
            TooManyTasksError,
            InvalidRequest,
            forbidden="An access token without `tasks:write`, or a session cookie without the CSRF header",
            invalid_request="Not the format named, or a task/line that is invalid (its place is named); "
            "nothing was stored",
        ),
    },
)
async def import_tasks(
    request: Request,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    file_format: Annotated[
        ImportFormat,
        Query(
            alias="format", description="`json`: our export (GET /users/me/export); `todoist`: Todoist's CSV"
        ),
    ] = "json",
    dry_run: Annotated[bool, Query(description="Check the file and count; store nothing")] = False,
) -> ImportResult:
    """Create tasks from a file: our own JSON export, or Todoist's CSV export with `format=todoist`.

    All or nothing: one invalid task or line is a 422 naming it, and nothing is stored. Ids in the file
    only link subtasks to parents within the file; every task created is a new task of yours."""
    body = await request.body()
    # The way in, for the tasks' trail: the page signs in with its session cookie, scripts with a bearer.
    channel = Channel.web if signed_in_by_cookie(request) else Channel.rest
    service = ImportService(session, user.id, user.timezone, channel)
    result = await service.run(body, file_format, dry_run=dry_run)
    if dry_run:
        response.status_code = status.HTTP_200_OK
    return result


def document_import_body(app: FastAPI) -> None:
    """Put the JSON body's schema (the route reads the raw body itself) into the OpenAPI's components."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        schemas: dict[str, Any] = schema.setdefault("components", {}).setdefault("schemas", {})
        if "ImportDocument" not in schemas:
            _, definitions = models_json_schema(
                [(ImportDocument, "validation")], ref_template=_SCHEMAS + "{model}"
            )
            for name, definition in definitions["$defs"].items():
                schemas.setdefault(name, definition)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

from __future__ import annotations

import functools
from typing import Annotated, Any, cast
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, Field, TypeAdapter

from taskagent.access_tokens.dependencies import TokenScope
from taskagent.agents.context import user_zone
from taskagent.db import utcnow
from taskagent.dependencies import CurrentUser, CurrentUserId, TaskServiceDep
from taskagent.errors import Forbidden, InvalidRequest, Unauthorized, error_responses
from taskagent.resources import request_resources
from taskagent.tasks.models import TaskPriority, TaskStatus
from taskagent.tasks.pagination import CursorCodec
from taskagent.tasks.quick_add import TaskParse, TaskParsed, parse_task
from taskagent.tasks.schemas import (
    Reminder,
    SortKey,
    TaskCreate,
    TaskFilters,
    TaskRead,
    TaskShown,
    TaskUpdate,
    UTCDatetime,
    storable_text,
)
from taskagent.tasks.service import (
    ConcurrentUpdateError,
    PreconditionFailedError,
    TaskNotFoundError,
    TaskService,
    etag,
    etag_of,
)

router = APIRouter(prefix="/tasks", tags=["tasks"])

MAX_CURSOR_LENGTH = 4096
_ETAG_HEADER = {"ETag": {"description": "The task's version, for If-Match", "schema": {"type": "string"}}}
WRITE_ERRORS = (Unauthorized, Forbidden, TaskNotFoundError, ConcurrentUpdateError, PreconditionFailedError)
QueryText = Annotated[str, AfterValidator(storable_text)]


IfMatch = Annotated[
    str | None,
    Header(description="An ETag from this task (or `*`): the change is refused with 412 if it is stale"),
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TaskRead,
    responses={
        201: {
            "description": "The task",
            "headers": {
                "Location": {"description": "The task's URL", "schema": {"type": "string"}},
                **_ETAG_HEADER,
            },
        },
        **error_responses(
            Unauthorized,
            Forbidden,
            InvalidRequest,
            invalid_request="Invalid fields, unknown or read-only fields, a parent_id that is not yours, or "
            "a recurrence refused (see the README)",
        ),
    },
)
async def create_task(body: TaskCreate, tasks: TaskServiceDep, request: Request, response: Response) -> Any:
    task = await tasks.create(body)
    response.headers["Location"] = str(request.url_for("get_task", task_id=task.id).path)
    response.headers["ETag"] = etag(task)
    return task


@router.post(
    "/parse",
    response_model=TaskParsed,
    # Reads only: an access token needs `tasks:read` here, although the method is POST.
    dependencies=[Depends(TokenScope("tasks:read", "tasks:read"))],
    responses=error_responses(
        Unauthorized,
        Forbidden,
        InvalidRequest,
        invalid_request="Empty text, text over 2,000 characters, a title over 200 characters once the fields "
        "are read, or a field read that a task cannot hold (a tag over 32 characters, a date past 9998)",
    ),
)
async def parse_task_text(body: TaskParse, user: CurrentUser) -> TaskParsed:
    """Read one line as the assistant would ("Pay rent tomorrow 5pm !high #home"): the task's fields and
    the words each came from, dates in your time zone. Creates nothing: send the fields to `POST /tasks`.
    A text that is only fields ("tomorrow") gives `title: null`."""
    return parse_task(body, user_zone(user.timezone), utcnow())


# Rows as the repository reads them for display (`TaskShown`), encoded without validating them first.
_TASK_JSON = TypeAdapter(TaskShown)
_TASK_LIST_JSON = TypeAdapter(list[TaskShown])
_REMINDERS = TypeAdapter(list[Reminder])
JSON = "application/json"


def _shown(task: dict[str, Any]) -> TaskShown:
    """A row of the repository's made ready for `TaskShown`: its reminders (rarely any) as models, as
    `TaskRead` validates them (stored values it would refuse are refused alike)."""
    if task["reminders"]:
        task["reminders"] = _REMINDERS.validate_python(task["reminders"])
    return cast(TaskShown, task)


@functools.lru_cache(maxsize=4)
def _cursor_codec(secret: str) -> CursorCodec:
    return CursorCodec(secret)


def _query_fingerprint(user_id: int, sort: SortKey, filters: TaskFilters) -> str:
    """What a cursor is bound to: the caller, the sort and the filters."""
    return f"{user_id}|{sort}|{filters.model_dump_json()}"


class TaskListQuery(BaseModel):
    """The query of `GET /tasks`, read by FastAPI as one model: one validation for all eleven parameters
    instead of one each (the same OpenAPI parameters and 422 answers)."""

    status: TaskStatus | None = None
    priority: TaskPriority | None = None
    tag: Annotated[QueryText | None, Field(max_length=32, description="Tasks carrying this tag")] = None
    parent_id: Annotated[int | None, Field(description="Subtasks of this task")] = None
    due_before: Annotated[UTCDatetime | None, Field(description="Due strictly before (with offset)")] = None
    due_after: Annotated[UTCDatetime | None, Field(description="Due strictly after (with offset)")] = None
    q: Annotated[QueryText | None, Field(max_length=200, description="Text in the title or description")] = (
        None
    )
    repeating: Annotated[
        bool | None, Field(description="true: only repeating tasks; false: only the others")
    ] = None
    sort: Annotated[
        SortKey,
        Field(
            description="A field, `-` first for descending; undated tasks sort last; `position` is the "
            "manual order"
        ),
    ] = "created_at"
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[
        str | None, Field(max_length=MAX_CURSOR_LENGTH, description="From the Link header; opaque")
    ] = None


@router.get(
    "",
    response_model=list[TaskRead],
    responses={
        200: {
            "description": "The caller's tasks, one page",
            "headers": {
                "Link": {
                    "description": 'The next page: `<URL>; rel="next"` (absent on the last page)',
                    "schema": {"type": "string"},
                }
            },
        },
        **error_responses(
            Unauthorized,
            InvalidRequest,
            invalid_request="A bad filter, sort or limit, or a cursor altered or for another query",
        ),
    },
)
async def list_tasks(
    tasks: TaskServiceDep,
    user_id: CurrentUserId,
    request: Request,
    query: Annotated[TaskListQuery, Query()],
) -> Response:
    filters = TaskFilters(
        status=query.status,
        priority=query.priority,
        tag=query.tag,
        parent_id=query.parent_id,
        due_before=query.due_before,
        due_after=query.due_after,
        q=query.q,
        repeating=query.repeating,
    )
    sort, limit, cursor = query.sort, query.limit, query.cursor
    # The settings from the request, not a dependency of their own: FastAPI's solving of one cost more than
    # the rest of the cursor's work. The codec is made once per secret (its key is derived from it).
    codec = _cursor_codec(request_resources(request).settings.jwt_secret)
    fingerprint = _query_fingerprint(user_id, sort, filters)
    after = None if cursor is None else codec.decode(cursor, fingerprint, sort)
    page = await tasks.page(filters, sort, limit, after)
    headers: dict[str, str] = {}
    if page.next is not None:
        # A relative reference (RFC 8288): nothing of the request's Host header is reflected.
        # The request's parameters with the cursor replaced (last), as `URL.include_query_params` would
        # give, without parsing the query string and the URL again.
        params = [(name, value) for name, value in request.query_params.multi_items() if name != "cursor"]
        next_query = urlencode([*params, ("cursor", codec.encode(page.next, fingerprint))])
        headers["Link"] = f'<{request.url.path}?{next_query}>; rel="next"'
    # Encoded here in one pass (FastAPI would validate, convert to dicts, then encode).
    body = _TASK_LIST_JSON.dump_json([_shown(task) for task in page.tasks])
    return Response(body, media_type=JSON, headers=headers)


@router.get(
    "/{task_id:int}",
    response_model=TaskRead,
    responses={
        200: {"description": "The task", "headers": _ETAG_HEADER},
        **error_responses(Unauthorized, TaskNotFoundError),
    },
)
async def get_task(task_id: int, tasks: TaskServiceDep) -> Response:
    task = await tasks.view(task_id)
    headers = {"ETag": etag_of(task["id"], task["version"])}
    # Encoded here in one pass, as a page is (FastAPI would validate, convert to dicts, then encode).
    return Response(_TASK_JSON.dump_json(_shown(task)), headers=headers, media_type=JSON)


async def _update(task_id: int, body: TaskUpdate, tasks: TaskService, if_match: str | None) -> Response:
    updated = await tasks.change(task_id, body, if_match=if_match)
    # The task as the change shows it (its trail's values): validated once, not again for the answer.
    return JSONResponse(updated.fields, headers={"ETag": etag(updated.task)})


UPDATE_RESPONSES = {
    200: {
        "description": "The task as changed; completing a repeating task also names the next occurrence "
        "in `next_id`",
        "headers": _ETAG_HEADER,
    },
    **error_responses(
        *WRITE_ERRORS,
        InvalidRequest,
        invalid_request="Invalid values, unknown or read-only fields (id, owner_id, timestamps), null for a "
        "required field, a parent_id that is not yours or would make a cycle, or a recurrence refused",
    ),
}


@router.patch("/{task_id:int}", response_model=TaskRead, responses=UPDATE_RESPONSES)
async def patch_task(
    task_id: int, body: TaskUpdate, tasks: TaskServiceDep, if_match: IfMatch = None
) -> Response:
    """Change only the fields given; `null` clears an optional field."""
    return await _update(task_id, body, tasks, if_match)


@router.put(
    "/{task_id:int}",
    response_model=TaskRead,
    responses=UPDATE_RESPONSES,
    description="Like PATCH: only the fields given change (the first seed's clients use PUT).",
)
async def put_task(
    task_id: int, body: TaskUpdate, tasks: TaskServiceDep, if_match: IfMatch = None
) -> Response:
    return await _update(task_id, body, tasks, if_match)


@router.delete(
    "/{task_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(
        *WRITE_ERRORS, InvalidRequest, invalid_request="A task id that is not a number"
    ),
    description="Deletes the task and its subtasks.",
)
async def delete_task(task_id: int, tasks: TaskServiceDep, if_match: IfMatch = None) -> None:
    await tasks.delete(task_id, if_match=if_match)

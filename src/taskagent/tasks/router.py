from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response, status
from pydantic import TypeAdapter

from taskagent.auth.dependencies import (
    CSRF_FAILED,
    UNAUTHORIZED,
    ErrorResponse,
    Responses,
    unprocessable,
)
from taskagent.dependencies import CurrentUserId, SettingsDep, TaskReaderDep, TaskServiceDep
from taskagent.tasks.hot_path import task_body
from taskagent.tasks.models import TaskPriority, TaskStatus
from taskagent.tasks.pagination import CursorCodec, InvalidCursorError
from taskagent.tasks.schemas import (
    IsoDatetime,
    SortKey,
    TaskCreate,
    TaskFilters,
    TaskRead,
    TaskUpdate,
    storable_text,
    utc_timestamp,
)
from taskagent.tasks.service import (
    ConcurrentUpdateError,
    InvalidParentError,
    PreconditionFailedError,
    TaskNotFoundError,
    TaskService,
    etag,
)

router = APIRouter(prefix="/tasks", tags=["tasks"])

MAX_CURSOR_LENGTH = 4096
_ETAG_HEADER = {"ETag": {"description": "The task's version, for If-Match", "schema": {"type": "string"}}}
NOT_FOUND: Responses = {
    404: {"model": ErrorResponse, "description": "No such task for this user (also another user's task)"}
}
STALE: Responses = {
    412: {"model": ErrorResponse, "description": "If-Match does not match the task's current ETag"}
}
CONFLICT: Responses = {
    409: {"model": ErrorResponse, "description": "Another request changed the task at the same moment; retry"}
}
WRITE_ERRORS: Responses = {**UNAUTHORIZED, **CSRF_FAILED, **NOT_FOUND, **CONFLICT, **STALE}


IfMatch = Annotated[
    str | None,
    Header(description="An ETag from this task (or `*`): the change is refused with 412 if it is stale"),
]


def _not_found(exc: TaskNotFoundError) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc))


def _unprocessable(location: str, field: str, message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[{"loc": [location, field], "msg": message, "type": "value_error"}],
    )


def _stale() -> HTTPException:
    return HTTPException(
        status.HTTP_412_PRECONDITION_FAILED, detail="The task changed since you read it; fetch it again"
    )


def _conflict() -> HTTPException:
    return HTTPException(
        status.HTTP_409_CONFLICT, detail="Another request changed the task at the same moment; try again"
    )


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
        **UNAUTHORIZED,
        **CSRF_FAILED,
        **unprocessable("Invalid fields, unknown or read-only fields, or a parent_id that is not yours"),
    },
)
async def create_task(body: TaskCreate, tasks: TaskServiceDep, request: Request, response: Response) -> Any:
    try:
        task = await tasks.create(body)
    except InvalidParentError as exc:
        raise _unprocessable("body", "parent_id", str(exc)) from None
    response.headers["Location"] = str(request.url_for("get_task", task_id=task.id).path)
    response.headers["ETag"] = etag(task)
    return task


def _query_text(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return storable_text(value)
    except ValueError as exc:
        raise _unprocessable("query", name, str(exc)) from None


def _query_timestamp(name: str, value: datetime | None) -> datetime | None:
    if value is None:
        return None
    try:
        return utc_timestamp(value)
    except ValueError as exc:
        raise _unprocessable("query", name, str(exc)) from None


_TASK_LIST_JSON = TypeAdapter(list[TaskRead])


def _query_fingerprint(user_id: int, sort: SortKey, filters: TaskFilters) -> str:
    """What a cursor is bound to: the caller, the sort and the filters."""
    return f"{user_id}|{sort}|{filters.model_dump_json()}"


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
        **UNAUTHORIZED,
        **unprocessable("A bad filter, sort or limit, or a cursor that was altered or is for another query"),
    },
)
async def list_tasks(
    tasks: TaskServiceDep,
    user_id: CurrentUserId,
    settings: SettingsDep,
    request: Request,
    status_: Annotated[TaskStatus | None, Query(alias="status")] = None,
    priority: TaskPriority | None = None,
    tag: Annotated[str | None, Query(max_length=32, description="Tasks carrying this tag")] = None,
    parent_id: Annotated[int | None, Query(description="Subtasks of this task")] = None,
    due_before: Annotated[IsoDatetime | None, Query(description="Due strictly before (with offset)")] = None,
    due_after: Annotated[IsoDatetime | None, Query(description="Due strictly after (with offset)")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the title or description")] = None,
    sort: Annotated[
        SortKey, Query(description="A field, `-` first for descending; undated tasks sort last")
    ] = "created_at",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[
        str | None, Query(max_length=MAX_CURSOR_LENGTH, description="From the Link header; opaque")
    ] = None,
) -> Response:
    filters = TaskFilters(
        status=status_,
        priority=priority,
        tag=_query_text("tag", tag),
        parent_id=parent_id,
        due_before=_query_timestamp("due_before", due_before),
        due_after=_query_timestamp("due_after", due_after),
        q=_query_text("q", q),
    )
    codec = CursorCodec(settings.jwt_secret)
    fingerprint = _query_fingerprint(user_id, sort, filters)
    try:
        after = None if cursor is None else codec.decode(cursor, fingerprint, sort)
    except InvalidCursorError as exc:
        raise _unprocessable("query", "cursor", str(exc)) from None
    page = await tasks.page(filters, sort, limit, after)
    headers: dict[str, str] = {}
    if page.next is not None:
        next_url = request.url.include_query_params(cursor=codec.encode(page.next, fingerprint))
        headers["Link"] = f'<{next_url}>; rel="next"'
    # Serialised here in one pass (FastAPI would validate, convert to dicts, then encode).
    tasks_shown = _TASK_LIST_JSON.validate_python([task._asdict() for task in page.tasks])
    body = _TASK_LIST_JSON.dump_json(tasks_shown)
    return Response(body, media_type="application/json", headers=headers)


@router.get(
    "/{task_id}",
    response_model=TaskRead,
    responses={200: {"description": "The task", "headers": _ETAG_HEADER}, **UNAUTHORIZED, **NOT_FOUND},
)
async def get_task(task_id: int, user_id: CurrentUserId, reader: TaskReaderDep) -> Response:
    # No request session, and the body serialised here rather than validated again by FastAPI; most
    # requests do not even reach this: `TaskReadFastPath` (tasks/hot_path.py) answers them first.
    task = await reader.one(user_id, task_id)
    if task is None:
        raise _not_found(TaskNotFoundError(task_id))
    body, etag = task_body(task)
    return Response(body, media_type="application/json", headers={"ETag": etag})


async def _update(
    task_id: int, body: TaskUpdate, tasks: TaskService, if_match: str | None, response: Response
) -> Any:
    try:
        task = await tasks.update(task_id, body, if_match=if_match)
    except TaskNotFoundError as exc:
        raise _not_found(exc) from None
    except PreconditionFailedError:
        raise _stale() from None
    except ConcurrentUpdateError:
        raise _conflict() from None
    except InvalidParentError as exc:
        raise _unprocessable("body", "parent_id", str(exc)) from None
    response.headers["ETag"] = etag(task)
    return task


UPDATE_RESPONSES: Responses = {
    200: {"description": "The task as changed", "headers": _ETAG_HEADER},
    **WRITE_ERRORS,
    **unprocessable(
        "Invalid values, unknown or read-only fields (id, owner_id, timestamps), null for a required "
        "field, or a parent_id that is not yours or would make a cycle"
    ),
}


@router.patch("/{task_id}", response_model=TaskRead, responses=UPDATE_RESPONSES)
async def patch_task(
    task_id: int, body: TaskUpdate, tasks: TaskServiceDep, response: Response, if_match: IfMatch = None
) -> Any:
    """Change only the fields given; `null` clears an optional field."""
    return await _update(task_id, body, tasks, if_match, response)


@router.put(
    "/{task_id}",
    response_model=TaskRead,
    responses=UPDATE_RESPONSES,
    description="Like PATCH: only the fields given change (the first seed's clients use PUT).",
)
async def put_task(
    task_id: int, body: TaskUpdate, tasks: TaskServiceDep, response: Response, if_match: IfMatch = None
) -> Any:
    return await _update(task_id, body, tasks, if_match, response)


@router.delete(
    "/{task_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**WRITE_ERRORS, **unprocessable("A task id that is not a number")},
    description="Deletes the task and its subtasks.",
)
async def delete_task(task_id: int, tasks: TaskServiceDep, if_match: IfMatch = None) -> None:
    try:
        await tasks.delete(task_id, if_match=if_match)
    except TaskNotFoundError as exc:
        raise _not_found(exc) from None
    except PreconditionFailedError:
        raise _stale() from None
    except ConcurrentUpdateError:
        raise _conflict() from None

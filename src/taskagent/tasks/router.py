from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response, status

from taskagent.auth.dependencies import CurrentUser
from taskagent.db import SessionDep
from taskagent.tasks.models import TaskPriority, TaskStatus
from taskagent.tasks.repository import InvalidCursorError
from taskagent.tasks.schemas import SortKey, TaskCreate, TaskFilters, TaskRead, TaskUpdate
from taskagent.tasks.service import (
    InvalidParentError,
    PreconditionFailedError,
    TaskNotFoundError,
    TaskService,
    etag,
)

router = APIRouter(prefix="/tasks", tags=["tasks"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such task for this user"}}
UNAUTHORIZED: dict[int | str, dict[str, Any]] = {401: {"description": "Missing, invalid or expired token"}}
STALE: dict[int | str, dict[str, Any]] = {412: {"description": "If-Match does not match the current ETag"}}


def get_task_service(session: SessionDep, user: CurrentUser) -> TaskService:
    return TaskService(session, user.id)


TaskServiceDep = Annotated[TaskService, Depends(get_task_service)]
IfMatch = Annotated[str | None, Header(description="The ETag from GET /tasks/{id}")]


def _not_found(exc: TaskNotFoundError) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc))


def _unprocessable(field: str, message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[{"loc": ["body", field], "msg": message, "type": "value_error"}],
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TaskRead, responses=UNAUTHORIZED)
async def create_task(body: TaskCreate, tasks: TaskServiceDep, request: Request, response: Response) -> Any:
    try:
        task = await tasks.create(body)
    except InvalidParentError as exc:
        raise _unprocessable("parent_id", str(exc)) from None
    response.headers["Location"] = str(request.url_for("get_task", task_id=task.id).path)
    response.headers["ETag"] = etag(task)
    return task


@router.get(
    "",
    response_model=list[TaskRead],
    responses={**UNAUTHORIZED, 422: {"description": "Bad filter, sort, limit or cursor"}},
)
async def list_tasks(
    tasks: TaskServiceDep,
    request: Request,
    response: Response,
    status_: Annotated[TaskStatus | None, Query(alias="status")] = None,
    priority: TaskPriority | None = None,
    tag: Annotated[str | None, Query(max_length=32)] = None,
    parent_id: int | None = None,
    due_before: datetime | None = None,
    due_after: datetime | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the title or description")] = None,
    sort: SortKey = "created_at",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512, description="From the Link header")] = None,
) -> Any:
    for name, value in (("due_before", due_before), ("due_after", due_after)):
        if value is not None and value.tzinfo is None:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail=[{"loc": ["query", name], "msg": "needs a time zone offset", "type": "value_error"}],
            )
    filters = TaskFilters(
        status=status_,
        priority=priority,
        tag=tag,
        parent_id=parent_id,
        due_before=due_before,
        due_after=due_after,
        q=q,
    )
    try:
        page = await tasks.page(filters, sort, limit, cursor)
    except InvalidCursorError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=[{"loc": ["query", "cursor"], "msg": str(exc), "type": "value_error"}],
        ) from None
    if page.next_cursor is not None:
        next_url = request.url.include_query_params(cursor=page.next_cursor)
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return page.tasks


@router.get("/{task_id}", response_model=TaskRead, responses={**UNAUTHORIZED, **NOT_FOUND})
async def get_task(task_id: int, tasks: TaskServiceDep, response: Response) -> Any:
    try:
        task = await tasks.get(task_id)
    except TaskNotFoundError as exc:
        raise _not_found(exc) from None
    response.headers["ETag"] = etag(task)
    return task


async def _update(
    task_id: int, body: TaskUpdate, tasks: TaskService, if_match: str | None, response: Response
) -> Any:
    try:
        task = await tasks.update(task_id, body, if_match=if_match)
    except TaskNotFoundError as exc:
        raise _not_found(exc) from None
    except PreconditionFailedError:
        raise HTTPException(
            status.HTTP_412_PRECONDITION_FAILED, detail="The task changed since you read it; fetch it again"
        ) from None
    except InvalidParentError as exc:
        raise _unprocessable("parent_id", str(exc)) from None
    response.headers["ETag"] = etag(task)
    return task


@router.patch("/{task_id}", response_model=TaskRead, responses={**UNAUTHORIZED, **NOT_FOUND, **STALE})
async def patch_task(
    task_id: int, body: TaskUpdate, tasks: TaskServiceDep, response: Response, if_match: IfMatch = None
) -> Any:
    return await _update(task_id, body, tasks, if_match, response)


@router.put(
    "/{task_id}",
    response_model=TaskRead,
    responses={**UNAUTHORIZED, **NOT_FOUND, **STALE},
    description="Like PATCH: only the fields given change (the first seed's clients use PUT).",
)
async def put_task(
    task_id: int, body: TaskUpdate, tasks: TaskServiceDep, response: Response, if_match: IfMatch = None
) -> Any:
    return await _update(task_id, body, tasks, if_match, response)


@router.delete(
    "/{task_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHORIZED, **NOT_FOUND, **STALE},
)
async def delete_task(task_id: int, tasks: TaskServiceDep, if_match: IfMatch = None) -> None:
    try:
        await tasks.delete(task_id, if_match=if_match)
    except TaskNotFoundError as exc:
        raise _not_found(exc) from None
    except PreconditionFailedError:
        raise HTTPException(
            status.HTTP_412_PRECONDITION_FAILED, detail="The task changed since you read it; fetch it again"
        ) from None

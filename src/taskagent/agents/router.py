"""The agents' endpoints: help and schedule streams, a task's earlier help, and the agents' status.

`POST /tasks/{id}/help` runs triage, which hands off to a specialist; `POST /tasks/{id}/schedule` runs the
scheduler directly. Both answer `text/event-stream` (events `agent`, `delta`, `tool`, then `done` or
`error`), or the seed's plain text with `Accept: text/plain`. Everything that can refuse the request
(401, 422, 429, 404) happens before the stream starts; after that, failures are `error` events.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, HTTPException, Query, Request, status
from fastapi.responses import StreamingResponse

from taskagent.agents.context import AgentContext
from taskagent.agents.definitions import AGENT_SPECS, SCHEDULER, TRIAGE
from taskagent.agents.help import HelpRun, help_items, record_request
from taskagent.agents.runner import AgentRuntime
from taskagent.agents.schemas import (
    DEFAULT_SCHEDULE_QUERY,
    MAX_QUERY,
    AgentInfo,
    AgentStatus,
    HelpHistory,
    HelpRequest,
    ScheduleRequest,
)
from taskagent.agents.streaming import PLAIN_MEDIA_TYPE, SSE_MEDIA_TYPE, PlainTextRenderer, TurnEvent, sse
from taskagent.agents.tools import task_json
from taskagent.auth.dependencies import CurrentUser, CurrentUserId, get_current_user
from taskagent.db import SessionDep, utcnow
from taskagent.deps import SettingsDep
from taskagent.ratelimit import RateLimiter
from taskagent.tasks.models import Task
from taskagent.tasks.service import TaskNotFoundError, TaskService

router = APIRouter(tags=["agents"])


class EventStreamResponse(StreamingResponse):
    media_type = SSE_MEDIA_TYPE


SSE_EXAMPLE = (
    'event: agent\ndata: {"id": "triage", "name": "Triage Agent"}\n\n'
    'event: agent\ndata: {"id": "scheduler", "name": "Scheduler Agent"}\n\n'
    'event: tool\ndata: {"name": "suggest_schedule", "arguments": {}, "result": {"day": "2026-11-26"}}\n\n'
    'event: delta\ndata: {"text": "Work on it "}\n\n'
    'event: delta\ndata: {"text": "on Thursday."}\n\n'
    'event: done\ndata: {"specialist": "scheduler", "thread_id": "thr_1a2b3c4d"}\n\n'
)
RATE_LIMIT_HEADERS = {
    name: {"schema": {"type": "string"}, "description": description}
    for name, description in (
        ("RateLimit-Policy", 'IETF draft: "agent";q=10;w=60'),
        ("RateLimit", 'IETF draft: "agent";r=0;t=42'),
        ("X-RateLimit-Limit", "Requests allowed per minute"),
        ("X-RateLimit-Remaining", "Requests left in the window"),
        ("X-RateLimit-Reset", "When a request frees up (epoch seconds)"),
        ("Retry-After", "Seconds to wait"),
    )
}


def _sse_event(name: str, required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    """One server-sent event as OpenAPI 3.1 describes a `text/event-stream` item: `data` is JSON text."""
    data = {"type": "object", "required": required, "properties": properties}
    return {
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": {"const": name},
            "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": data},
        },
    }


_TEXT: dict[str, Any] = {"type": "string"}
# "type": "object" also replaces the `"type": "string"` FastAPI puts on a streaming response's content.
SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "oneOf": [
        _sse_event("agent", ["id", "name"], {"id": _TEXT, "name": _TEXT}),
        _sse_event("delta", ["text"], {"text": _TEXT}),
        _sse_event("tool", ["name", "arguments", "result"], {"name": _TEXT}),
        _sse_event(
            "done",
            ["specialist", "thread_id"],
            {"specialist": {"type": ["string", "null"]}, "thread_id": _TEXT},
        ),
        _sse_event("error", ["message"], {"message": _TEXT}),
    ],
}

# Errors are JSON, whatever the stream's media type (the route's response class would document them so).
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_SCHEMA: dict[str, Any] = {"$ref": "#/components/schemas/HTTPValidationError"}


def _json_error(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema or ERROR_SCHEMA}}}


STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": (
            "The answer as it is produced. Server-sent events, data in JSON: `agent` {id, name} each time an "
            "agent takes over, `delta` {text}, `tool` {name, arguments, result}, then `done` "
            "{specialist, thread_id} or `error` {message}. With `Accept: text/plain`: "
            "`[Routing to Scheduler Agent]`, a blank line, the text."
        ),
        "content": {
            SSE_MEDIA_TYPE: {"schema": SSE_EVENT_SCHEMA, "example": SSE_EXAMPLE},
            PLAIN_MEDIA_TYPE: {
                "schema": {"type": "string"},
                "example": "[Routing to Scheduler Agent]\n\nWork on it on Thursday.\n",
            },
        },
    },
    # With a `model`, FastAPI would document an error under this route's media type (text/event-stream).
    400: _json_error("The request body could not be read"),
    401: _json_error("Missing, invalid or expired token"),
    403: _json_error("Signed in with the session cookie but without its X-CSRF-Token header"),
    404: _json_error("No such task for this user"),
    422: _json_error("The query is missing, empty or longer than 2000 characters", VALIDATION_SCHEMA),
    429: {
        **_json_error("More than AGENT_RATE_LIMIT agent requests this minute"),
        "headers": RATE_LIMIT_HEADERS,
    },
    503: _json_error("The database is unreachable; retry shortly"),
}
HISTORY_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _json_error("Missing, invalid or expired token"),
    404: _json_error("No such task for this user"),
}


def get_runtime(request: Request) -> AgentRuntime:
    """The app's agent runtime (made on first use when the lifespan did not make one)."""
    runtime: AgentRuntime | None = getattr(request.app.state, "agent_runtime", None)
    if runtime is None:
        runtime = AgentRuntime(request.app.state.settings)
        request.app.state.agent_runtime = runtime
    return runtime


def wants_plain_text(accept: str | None) -> bool:
    """`Accept: text/plain` (preferred over text/event-stream) asks for the seed's plain-text body."""
    if not accept:
        return False
    weights: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[media.lower()] = weight
    plain = weights.get(PLAIN_MEDIA_TYPE, 0.0)
    return plain > 0 and plain > weights.get(SSE_MEDIA_TYPE, 0.0)


def _unprocessable(message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[{"loc": ["body", "query"], "msg": message, "type": "value_error"}],
    )


def _query_text(body_query: str | None, param: str | None, default: str | None) -> str:
    if body_query is not None:
        return body_query
    if param is not None:
        text = param.strip()
        if not text:
            raise _unprocessable("The query must not be empty")
        return text
    if default is not None:
        return default
    raise HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[{"loc": ["body", "query"], "msg": "Field required", "type": "missing"}],
    )


async def _open_task(session: SessionDep, user_id: int, task_id: int) -> Task:
    try:
        return await TaskService(session, user_id).get(task_id)
    except TaskNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from None


async def _stream_agent(
    *,
    request: Request,
    user_id: int,
    session: SessionDep,
    task_id: int,
    query: str,
    agent_key: str,
    accept: str | None,
) -> StreamingResponse:
    limiter: RateLimiter = request.app.state.rate_limiter
    await limiter.enforce(request, limiter.agent, f"user:{user_id}")
    factory = request.app.state.session_factory
    runtime = get_runtime(request)
    # The database work that sets up a run takes turns with other runs' (`AgentRuntime.setup`): a burst of
    # requests then cannot hold up the words of the runs that are streaming.
    async with runtime.setup:
        user = await get_current_user(request, user_id, session)
        task = await _open_task(session, user_id, task_id)
        # Give the request's connection back before the run's own units of work take theirs: a request
        # holding one while waiting for another deadlocks a busy pool (each of N holds one of N, all wait).
        await session.commit()
        # The request is stored (committed) before anything runs: a failed run still leaves it in the thread.
        thread_id, _ = await record_request(factory, user_id, task, query)
    context = AgentContext(
        user_id=user.id,
        session_factory=factory,
        timezone=user.timezone,
        now=utcnow(),
        focus_task_id=task.id,
        focus_task=task_json(task),
    )
    run = HelpRun(runtime=runtime, agent_key=agent_key, context=context, thread_id=thread_id)

    async def disconnected() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass

    events = run.stream(disconnected)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    if wants_plain_text(accept):
        return StreamingResponse(
            _plain_body(events), media_type=f"{PLAIN_MEDIA_TYPE}; charset=utf-8", headers=headers
        )
    return EventStreamResponse(_sse_body(events), headers=headers)


async def _sse_body(events: AsyncIterator[TurnEvent | None]) -> AsyncIterator[str]:
    async for event in events:
        yield sse(event)


async def _plain_body(events: AsyncIterator[TurnEvent | None]) -> AsyncIterator[str]:
    renderer = PlainTextRenderer()
    async for event in events:
        if event is not None and (chunk := renderer.render(event)):
            yield chunk


AcceptHeader = Annotated[str | None, Header(include_in_schema=False)]
QueryParam = Annotated[
    str | None,
    Query(
        alias="query",
        min_length=1,
        max_length=MAX_QUERY,
        description="The seed's form of the query; the JSON body's `query` wins when both are given",
    ),
]


@router.post(
    "/tasks/{task_id}/help",
    response_class=EventStreamResponse,
    responses=STREAM_RESPONSES,
    summary="Ask the agents for help with a task (triage picks the specialist)",
)
async def help_with_task(
    task_id: int,
    request: Request,
    user_id: CurrentUserId,
    session: SessionDep,
    body: Annotated[HelpRequest | None, Body()] = None,
    query: QueryParam = None,
    accept: AcceptHeader = None,
) -> StreamingResponse:
    text = _query_text(body.query if body else None, query, None)
    return await _stream_agent(
        request=request,
        user_id=user_id,
        session=session,
        task_id=task_id,
        query=text,
        agent_key=TRIAGE.id,
        accept=accept,
    )


@router.post(
    "/tasks/{task_id}/schedule",
    response_class=EventStreamResponse,
    responses=STREAM_RESPONSES,
    summary="Ask the scheduler when to do a task (no triage)",
)
async def schedule_task(
    task_id: int,
    request: Request,
    user_id: CurrentUserId,
    session: SessionDep,
    body: Annotated[ScheduleRequest | None, Body()] = None,
    query: QueryParam = None,
    accept: AcceptHeader = None,
) -> StreamingResponse:
    text = _query_text(body.query if body else None, query, DEFAULT_SCHEDULE_QUERY)
    return await _stream_agent(
        request=request,
        user_id=user_id,
        session=session,
        task_id=task_id,
        query=text,
        agent_key=SCHEDULER.id,
        accept=accept,
    )


@router.get(
    "/tasks/{task_id}/help",
    response_model=HelpHistory,
    responses=HISTORY_RESPONSES,
    summary="The task's earlier help requests and answers, oldest first",
)
async def task_help_history(
    task_id: int,
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200, description="At most this many of the newest items")] = 100,
) -> HelpHistory:
    await _open_task(session, user.id, task_id)
    thread_id, items = await help_items(session, user.id, task_id, limit)
    return HelpHistory.model_validate({"thread_id": thread_id, "items": items})


@router.get("/agents/status", response_model=AgentStatus, summary="The agents and the model serving them")
async def agents_status(settings: SettingsDep) -> AgentStatus:
    from taskagent.agents.model_selection import describe_model

    return AgentStatus(
        agents=[AgentInfo(id=spec.id, name=spec.name, description=spec.description) for spec in AGENT_SPECS],
        triage_enabled=True,
        model=describe_model(settings),
    )

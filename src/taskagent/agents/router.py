"""The agents' endpoints: help and schedule streams, a task's earlier help, and the agents' status.

`POST /tasks/{id}/help` runs triage, which hands off to a specialist; `POST /tasks/{id}/schedule` runs the
scheduler directly. Both answer `text/event-stream` (events `agent`, `delta`, `tool`, then `done` or
`error`), or the seed's plain text with `Accept: text/plain`. Everything that can refuse the request
(401, 422, 429, 404) happens before the stream starts; after that, failures are `error` events.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from taskagent.agents.context import AgentContext
from taskagent.agents.definitions import SCHEDULER_ID, TRIAGE, agent_specs
from taskagent.agents.help import HelpRun, help_items, record_request
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
from taskagent.audit.models import Channel
from taskagent.auth.dependencies import current_user
from taskagent.db import utcnow
from taskagent.dependencies import CurrentUser, CurrentUserId, ResourcesDep, SessionDep, SettingsDep
from taskagent.errors import (
    BadRequest,
    Forbidden,
    InvalidRequest,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
    error_responses,
)
from taskagent.resources import Resources
from taskagent.tasks.service import TaskNotFoundError, TaskService
from taskagent.usage.service import QuotaExceeded

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
    **error_responses(
        BadRequest,
        Unauthorized,
        Forbidden,
        TaskNotFoundError,
        InvalidRequest,
        QuotaExceeded,
        ServiceUnavailable,
        invalid_request="The query is missing, empty or longer than 2000 characters, or `specialist` names "
        "none of the configured specialists",
    ),
}
HISTORY_RESPONSES = error_responses(Unauthorized, TaskNotFoundError)


class NoScheduler(NotFound):
    description = "The task is not found, or the configured specialists have no scheduler"


SCHEDULE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **STREAM_RESPONSES,
    **error_responses(NoScheduler),
}


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


def _query_text(body_query: str | None, param: str | None, default: str | None) -> str:
    if body_query is not None:
        return body_query
    if param is not None:
        text = param.strip()
        if not text:
            raise InvalidRequest.at(("body", "query"), "The query must not be empty")
        return text
    if default is not None:
        return default
    raise InvalidRequest.at(("body", "query"), "Field required", "missing")


async def _stream_agent(
    *,
    request: Request,
    resources: Resources,
    user_id: int,
    session: AsyncSession,
    task_id: int,
    query: str,
    agent_key: str,
    accept: str | None,
) -> StreamingResponse:
    limiter = resources.rate_limiter
    await limiter.enforce(request, limiter.agent, f"user:{user_id}")
    factory = resources.session_factory
    runtime = resources.agent_runtime
    # The database work that sets up a run takes turns with other runs' (`AgentRuntime.setup`): a burst of
    # requests then cannot hold up the words of the runs that are streaming.
    async with runtime.setup:
        user = await current_user(resources.known_users, user_id, session)
        task = await TaskService(session, user_id).get(task_id)
        # Give the request's connection back before the run's own units of work take theirs: a request
        # holding one while waiting for another deadlocks a busy pool (each of N holds one of N, all wait).
        await session.commit()
        # The month's quota (429 past it) before anything is stored or any model is called.
        reservation = await runtime.usage.reserve(factory, user_id)
        # The request is stored (committed) before anything runs: a failed run still leaves it in the thread.
        thread_id, _ = await record_request(factory, user_id, task, query)
    context = AgentContext(
        user_id=user.id,
        session_factory=factory,
        timezone=user.timezone,
        now=utcnow(),
        focus_task_id=task.id,
        focus_task=task_json(task),
        channel=Channel.help,
        reservation=reservation,
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
    "/tasks/{task_id:int}/help",
    response_class=EventStreamResponse,
    responses=STREAM_RESPONSES,
    summary="Ask the agents for help with a task (triage picks the specialist)",
)
async def help_with_task(
    task_id: int,
    request: Request,
    resources: ResourcesDep,
    user_id: CurrentUserId,
    session: SessionDep,
    body: Annotated[HelpRequest | None, Body()] = None,
    query: QueryParam = None,
    accept: AcceptHeader = None,
) -> StreamingResponse:
    text = _query_text(body.query if body else None, query, None)
    agent_key = TRIAGE.id
    if body is not None and body.specialist is not None:
        catalog = resources.agent_runtime.catalog
        if catalog.get(body.specialist) is None:
            raise InvalidRequest.at(
                ("body", "specialist"),
                f"No specialist {body.specialist!r}: the specialists are {', '.join(catalog.ids)}",
            )
        agent_key = body.specialist
    return await _stream_agent(
        request=request,
        resources=resources,
        user_id=user_id,
        session=session,
        task_id=task_id,
        query=text,
        agent_key=agent_key,
        accept=accept,
    )


@router.post(
    "/tasks/{task_id:int}/schedule",
    response_class=EventStreamResponse,
    responses=SCHEDULE_RESPONSES,
    summary="Ask the scheduler when to do a task (no triage)",
)
async def schedule_task(
    task_id: int,
    request: Request,
    resources: ResourcesDep,
    user_id: CurrentUserId,
    session: SessionDep,
    body: Annotated[ScheduleRequest | None, Body()] = None,
    query: QueryParam = None,
    accept: AcceptHeader = None,
) -> StreamingResponse:
    text = _query_text(body.query if body else None, query, DEFAULT_SCHEDULE_QUERY)
    catalog = resources.agent_runtime.catalog
    scheduler = catalog.get(SCHEDULER_ID) or catalog.for_builtin(SCHEDULER_ID)
    if scheduler is None:
        raise NoScheduler("This service has no scheduler specialist (see SPECIALISTS_FILE)")
    return await _stream_agent(
        request=request,
        resources=resources,
        user_id=user_id,
        session=session,
        task_id=task_id,
        query=text,
        agent_key=scheduler.id,
        accept=accept,
    )


@router.get(
    "/tasks/{task_id:int}/help",
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
    await TaskService(session, user.id).get(task_id)
    thread_id, items = await help_items(session, user.id, task_id, limit)
    return HelpHistory.model_validate({"thread_id": thread_id, "items": items})


@router.get("/agents/status", response_model=AgentStatus, summary="The agents and the model serving them")
async def agents_status(settings: SettingsDep, resources: ResourcesDep) -> AgentStatus:
    from taskagent.agents.model_selection import describe_model

    catalog = resources.agent_runtime.catalog
    return AgentStatus(
        agents=[
            AgentInfo(id=spec.id, name=spec.name, description=spec.description)
            for spec in agent_specs(catalog)
        ],
        specialists=list(catalog.ids),
        default_specialist=catalog.default,
        triage_enabled=True,
        model=describe_model(settings),
    )

"""`POST /chatkit`: the ChatKit server protocol, signed in by bearer token or by the web session cookie.

Before the SDK sees a request, this endpoint settles everything that deserves an HTTP status rather than
an event in a stream: the caller (401/403), the body (400 for broken JSON, 422 for a body that is not a
ChatKit request, with the reason), the agent rate limit (429, for the requests that run an agent), what
this server does not offer (400: attachments, dictation, widget actions, client tools), and the thread or
item the request names (404, also when it belongs to another user). Then the SDK answers: JSON, or a
`text/event-stream`.

The stream is produced by a task of its own. If the client goes away, the response's generator is closed
or cancelled; it then cancels that task, which the SDK sees as a cancelled stream
(`handle_stream_cancelled`: the partial answer is stored), and waits for it, shielded, so nothing said
is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any, Final

import anyio
from chatkit.server import NonStreamingResult, StreamingResult
from chatkit.store import NotFoundError
from chatkit.types import (
    ChatKitReq,
    ClientToolCallItem,
    ErrorEvent,
    StructuredInputItem,
    ThreadsAddClientToolOutputReq,
    ThreadsAddStructuredInputReq,
    ThreadsAddUserMessageReq,
    ThreadsCreateReq,
    ThreadsRetryAfterItemReq,
    UserMessageInput,
    UserMessageItem,
    UserMessageTagContent,
)
from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import TypeAdapter, ValidationError

from taskagent.agents.runner import AgentRuntime
from taskagent.chat.context import ChatContext
from taskagent.chat.server import TaskAgentChatServer
from taskagent.chat.store import AttachmentsNotSupportedError
from taskagent.dependencies import CurrentUser, ResourcesDep, SessionDep
from taskagent.errors import (
    BadRequest,
    Forbidden,
    InvalidRequest,
    NotFound,
    Unauthorized,
    error_responses,
    issue,
)
from taskagent.usage.service import QuotaExceeded

logger = logging.getLogger(__name__)
router = APIRouter(tags=["chat"])

REQUEST_ADAPTER: Final[TypeAdapter[Any]] = TypeAdapter(ChatKitReq)
REQUEST_TYPES: Final = (
    "threads.create",
    "threads.add_user_message",
    "threads.add_client_tool_output",
    "threads.add_structured_input",
    "threads.retry_after_item",
    "threads.custom_action",
    "threads.sync_custom_action",
    "threads.get_by_id",
    "threads.list",
    "threads.update",
    "threads.delete",
    "items.list",
    "items.feedback",
    "attachments.create",
    "attachments.delete",
    "input.transcribe",
)
# Requests that run an agent, counted against the agent rate limit before anything streams.
AGENT_REQUESTS: Final = frozenset(
    {
        "threads.create",
        "threads.add_user_message",
        "threads.add_client_tool_output",
        "threads.add_structured_input",
        "threads.retry_after_item",
        "threads.custom_action",
    }
)
UNSUPPORTED: Final = {
    "attachments.create": str(AttachmentsNotSupportedError()),
    "attachments.delete": str(AttachmentsNotSupportedError()),
    "input.transcribe": "Dictation (input.transcribe) is not supported by this server.",
    "threads.custom_action": "This server sends no widgets, so there is no action to run.",
    "threads.sync_custom_action": "This server sends no widgets, so there is no action to run.",
}
MAX_MESSAGE_CHARS = 8_000  # a message's text and the text it quotes, together
MAX_TAG_CHARS = 200  # a tag's id, label and group, each
MAX_TAG_DATA_CHARS = 2_000  # a tag's data, as JSON
MAX_ID_CHARS = 100  # a thread, item or attachment id, or a page cursor (ours are under 40)
ID_FIELDS = ("thread_id", "item_id", "item_ids", "attachment_id", "after")

REQUEST_BODY_SCHEMA: Final[dict[str, Any]] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["type"],
                "properties": {
                    "type": {"type": "string", "enum": list(REQUEST_TYPES)},
                    "params": {"type": "object"},
                    "metadata": {"type": "object"},
                },
                "description": "A ChatKit request (openai-chatkit's `ChatKitReq`).",
            },
            "example": {
                "type": "threads.create",
                "params": {
                    "input": {
                        "content": [{"type": "input_text", "text": "What tasks do I have?"}],
                        "attachments": [],
                        "inference_options": {},
                    }
                },
            },
        }
    },
}


class ChatRequestRefused(BadRequest):
    description = "Malformed JSON, or a feature this server does not offer (attachments, dictation)"


class ChatItemNotFound(NotFound):
    description = "The thread or item does not exist (or belongs to another user)"


@router.post(
    "/chatkit",
    summary="ChatKit protocol endpoint",
    openapi_extra={"requestBody": REQUEST_BODY_SCHEMA},
    response_class=Response,
    responses={
        200: {
            "description": "A JSON answer, or for thread-changing requests a `text/event-stream` of "
            "ChatKit events (`data: {json}` lines)",
            "content": {"application/json": {}, "text/event-stream": {}},
        },
        **error_responses(
            ChatRequestRefused,
            Unauthorized,
            Forbidden,
            ChatItemNotFound,
            InvalidRequest,
            QuotaExceeded,
            invalid_request="The body is not a valid ChatKit request",
        ),
    },
)
async def chatkit_endpoint(
    request: Request, user: CurrentUser, session: SessionDep, resources: ResourcesDep
) -> Response:
    """The ChatKit protocol over this service's own threads. Requests that run the agent
    (`threads.create`, `threads.add_user_message`, `threads.retry_after_item`, ...) count against the
    agent rate limit."""
    # The store opens sessions of its own: give back the connection that loaded the user first, or N
    # concurrent requests each hold one of N pooled connections while waiting for a second (a deadlock).
    await session.commit()
    body = await request.body()
    parsed = parse_request(body)
    kind: str = parsed.type
    limiter = resources.rate_limiter
    if kind in AGENT_REQUESTS:
        await limiter.enforce(request, limiter.agent, f"user:{user.id}")

    server = resources.chat_server
    runtime = resources.agent_runtime
    context = ChatContext(
        user_id=user.id,
        session_factory=resources.session_factory,
        settings=resources.settings,
        runtime=runtime,
        timezone=user.timezone or "UTC",
    )
    # Another user's (or a missing) thread is "not found" first, whatever the request type: a 400 for
    # an unsupported type on someone else's thread would be an answer about that thread.
    await precheck(server, parsed, context)
    if kind in UNSUPPORTED:
        raise ChatRequestRefused(UNSUPPORTED[kind])
    if kind in AGENT_REQUESTS:  # the month's quota (429 past it), before the SDK stores or runs anything
        reservation = await runtime.usage.reserve(resources.session_factory, user.id)
        context = dataclasses.replace(context, reservation=reservation)
    try:
        result = await server.process(body, context)
    except (NotFoundError, ValueError, NotImplementedError) as exc:  # the SDK's errors, as what they mean
        if context.reservation is not None:  # nothing will run: the counted run is given back
            await runtime.usage.release(resources.session_factory, context.reservation)
        if isinstance(exc, NotFoundError):
            raise ChatItemNotFound(str(exc) or "Not found") from exc
        raise ChatRequestRefused(str(exc)) from exc
    if isinstance(result, NonStreamingResult):
        return Response(content=result.json, media_type="application/json")
    return StreamingResponse(
        stream_in_task(result, runtime),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def parse_request(body: bytes) -> Any:
    try:
        raw = json.loads(body) if body.strip() else None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: [[[[...]]]]
        raise ChatRequestRefused(f"The body is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise InvalidRequest.at(["body"], "The body must be a JSON object: a ChatKit request with a `type`.")
    if _contains_nul(raw):  # PostgreSQL cannot store it in a text column (a thread's title, say)
        raise InvalidRequest.at(["body"], "Text cannot contain the NUL character.")
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in REQUEST_TYPES:
        shown = "missing" if kind is None else f"{kind!r} is unknown"
        raise InvalidRequest.at(
            ["body", "type"], f"The request `type` is {shown}; expected one of: {', '.join(REQUEST_TYPES)}."
        )
    try:
        parsed = REQUEST_ADAPTER.validate_python(raw)
    except ValidationError as exc:
        # loc[0] is the request type (the union's tag); the rest is where in the body.
        raise InvalidRequest(
            issue(["body", *error["loc"][1:]], error["msg"], error["type"])
            for error in exc.errors(include_url=False, include_input=False, include_context=False)
        ) from None
    _check_ids(getattr(parsed, "params", None))
    user_input: UserMessageInput | None = getattr(getattr(parsed, "params", None), "input", None)
    if isinstance(parsed, ThreadsCreateReq | ThreadsAddUserMessageReq) and user_input is not None:
        if user_input.attachments:
            raise ChatRequestRefused(str(AttachmentsNotSupportedError()))
        content = ["body", "params", "input", "content"]
        _check_tags(user_input, content)
        length = sum(len(getattr(part, "text", "")) for part in user_input.content)
        # The quoted text is stored with the message and goes into every later prompt: it counts too.
        length += len(user_input.quoted_text or "")
        if length > MAX_MESSAGE_CHARS:
            raise InvalidRequest.at(
                content, f"The message is too long ({length} characters; at most {MAX_MESSAGE_CHARS})."
            )
        if length == 0 or not any(getattr(part, "text", "").strip() for part in user_input.content):
            raise InvalidRequest.at(content, "The message is empty.")
    return parsed


def _check_ids(params: Any) -> None:
    """An id no row can have is refused before any lookup, so an error never echoes a huge one."""
    for field in ID_FIELDS:
        value = getattr(params, field, None)
        for each in value if isinstance(value, list) else [value]:
            if isinstance(each, str) and len(each) > MAX_ID_CHARS:
                raise InvalidRequest.at(
                    ["body", "params", field], f"An id has at most {MAX_ID_CHARS} characters."
                )


def _check_tags(user_input: UserMessageInput, content: Sequence[str | int]) -> None:
    """Every stored field of a tag is bounded (the text cap counts its label with the message)."""
    for index, part in enumerate(user_input.content):
        if not isinstance(part, UserMessageTagContent):
            continue
        for field in ("id", "text", "group"):
            value = getattr(part, field) or ""
            if len(value) > MAX_TAG_CHARS:
                raise InvalidRequest.at(
                    [*content, index, field], f"A tag's {field} has at most {MAX_TAG_CHARS} characters."
                )
        if len(json.dumps(part.data)) > MAX_TAG_DATA_CHARS:
            raise InvalidRequest.at(
                [*content, index, "data"],
                f"A tag's data has at most {MAX_TAG_DATA_CHARS} characters as JSON.",
            )


def _contains_nul(value: Any) -> bool:
    pending = [value]  # iterative: a body nested as deep as json.loads allows must not overflow the stack
    while pending:
        current = pending.pop()
        if isinstance(current, str) and "\x00" in current:
            return True
        if isinstance(current, dict):
            pending.extend(current.keys())
            pending.extend(current.values())
        elif isinstance(current, list):
            pending.extend(current)
    return False


async def precheck(server: TaskAgentChatServer, parsed: Any, context: ChatContext) -> None:
    """404 (or 400) now for what the SDK would otherwise only find out in the middle of a stream."""
    store = server.store
    thread_id: str | None = getattr(getattr(parsed, "params", None), "thread_id", None)
    try:
        if thread_id is not None:
            await store.load_thread(thread_id, context=context)
        if isinstance(parsed, ThreadsRetryAfterItemReq):
            item = await store.load_item(parsed.params.thread_id, parsed.params.item_id, context=context)
            if not isinstance(item, UserMessageItem):
                raise ChatRequestRefused("Only a user message can be retried.")
        elif isinstance(parsed, ThreadsAddStructuredInputReq):
            item = await store.load_item(parsed.params.thread_id, parsed.params.item_id, context=context)
            if not isinstance(item, StructuredInputItem) or item.status != "pending":
                raise ChatRequestRefused(
                    f"Item {parsed.params.item_id} is not a question waiting for an answer."
                )
        elif isinstance(parsed, ThreadsAddClientToolOutputReq):
            last = await store.load_thread_items(parsed.params.thread_id, None, 1, "desc", context=context)
            if not any(
                isinstance(item, ClientToolCallItem) and item.status == "pending" for item in last.data
            ):
                raise ChatRequestRefused("No client tool call is waiting for output in this thread.")
    except NotFoundError as exc:
        raise ChatItemNotFound(str(exc)) from exc


async def stream_in_task(result: StreamingResult, runtime: AgentRuntime) -> AsyncIterator[bytes]:
    """Relay the SDK's stream, produced by a task of its own (see the module's docstring). The runtime
    owns that task, so a shutdown cancels it too, and waits while it stores what was said."""
    queue: asyncio.Queue[bytes | None] = asyncio.Queue()

    async def produce() -> None:
        try:
            async for chunk in result:
                await queue.put(chunk)
        except asyncio.CancelledError:
            raise
        except Exception:
            # Failures inside a turn are already events; this is one before the turn started.
            logger.exception("ChatKit stream failed")
            error = ErrorEvent(code="custom", message="The request failed; try again.", allow_retry=True)
            await queue.put(b"data: " + error.model_dump_json().encode() + b"\n\n")
        finally:
            queue.put_nowait(None)

    task = runtime.spawn(produce(), name="chatkit-stream")
    try:
        while (chunk := await queue.get()) is not None:
            yield chunk
    finally:
        if not task.done():
            task.cancel()
        with anyio.CancelScope(shield=True), contextlib.suppress(asyncio.CancelledError):
            await task

"""Responses API output items and stream events for the engine's decisions.

The stream has the shape a hosted model's has, so the SDK, the help endpoint's translator and ChatKit's
bridge treat the engine like any model: `response.created`, then per output item `output_item.added`,
its content (`content_part.added`, one `output_text.delta` per word, `output_text.done`,
`content_part.done`; or `function_call_arguments.delta/.done`), `output_item.done`, and finally
`response.completed` carrying every item.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

from agents.items import TResponseOutputItem, TResponseStreamEvent
from agents.usage import Usage
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseFunctionToolCall,
    ResponseInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
    ResponseUsage,
)
from openai.types.responses.response_usage import InputTokensDetails, OutputTokensDetails

from .plan import Calls, Step

MODEL_NAME = "taskagent-local"


def _id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


def output_items(step: Step) -> list[TResponseOutputItem]:
    if isinstance(step, Calls):
        items: list[TResponseOutputItem] = []
        for call in step.calls:
            call_id = _id("call")
            items.append(
                ResponseFunctionToolCall(
                    id=_id("fc"),
                    call_id=call_id,
                    type="function_call",
                    name=call.name,
                    arguments=json.dumps(call.arguments, ensure_ascii=False),
                    status="completed",
                )
            )
        return items
    return [
        ResponseOutputMessage(
            id=_id("msg"),
            type="message",
            role="assistant",
            status="completed",
            content=[ResponseOutputText(type="output_text", text=step.text, annotations=[], logprobs=[])],
        )
    ]


def count_tokens(text: str) -> int:
    """A rough count (about four characters a token, as for English with OpenAI's tokenizers)."""
    return max(1, (len(text) + 3) // 4)


def usage_for(instructions: str | None, input_items: Any, output: list[TResponseOutputItem]) -> Usage:
    try:
        input_text = json.dumps(input_items, default=str)
    except (TypeError, ValueError):
        input_text = str(input_items)
    input_tokens = count_tokens((instructions or "") + input_text)
    output_text = "".join(
        item.model_dump_json() if isinstance(item, ResponseFunctionToolCall) else _message_text(item)
        for item in output
    )
    output_tokens = count_tokens(output_text)
    return Usage(
        requests=1,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
    )


def _message_text(item: TResponseOutputItem) -> str:
    if isinstance(item, ResponseOutputMessage):
        return "".join(part.text for part in item.content if isinstance(part, ResponseOutputText))
    return ""


def _response(
    response_id: str,
    output: list[TResponseOutputItem],
    usage: Usage | None,
    status: Literal["in_progress", "completed"],
) -> Response:
    return Response(
        id=response_id,
        created_at=time.time(),
        model=MODEL_NAME,
        object="response",
        output=output,
        tool_choice="auto",
        tools=[],
        top_p=None,
        parallel_tool_calls=True,
        status=status,
        usage=_response_usage(usage) if usage is not None else None,
    )


def _response_usage(usage: Usage) -> ResponseUsage:
    return ResponseUsage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        total_tokens=usage.total_tokens,
        input_tokens_details=InputTokensDetails(cached_tokens=0, cache_write_tokens=0),
        output_tokens_details=OutputTokensDetails(reasoning_tokens=0),
    )


def words(text: str) -> list[str]:
    """The text cut into words, each with the spacing that follows it; joined back they are the text."""
    pieces = re.findall(r"\s*\S+\s*", text)
    return pieces or [text]


async def stream_events(
    output: list[TResponseOutputItem], usage: Usage, response_id: str | None = None
) -> AsyncIterator[TResponseStreamEvent]:
    response_id = response_id or _id("resp")
    sequence = 0

    def next_number() -> int:
        nonlocal sequence
        sequence += 1
        return sequence - 1

    yield ResponseCreatedEvent(
        type="response.created",
        response=_response(response_id, [], None, "in_progress"),
        sequence_number=next_number(),
    )
    yield ResponseInProgressEvent(
        type="response.in_progress",
        response=_response(response_id, [], None, "in_progress"),
        sequence_number=next_number(),
    )
    for index, item in enumerate(output):
        if isinstance(item, ResponseOutputMessage):
            async for event in _message_events(item, index, next_number):
                yield event
        elif isinstance(item, ResponseFunctionToolCall):
            for event in _function_call_events(item, index, next_number):
                yield event
    yield ResponseCompletedEvent(
        type="response.completed",
        response=_response(response_id, output, usage, "completed"),
        sequence_number=next_number(),
    )


async def _message_events(
    item: ResponseOutputMessage, index: int, next_number: Callable[[], int]
) -> AsyncIterator[TResponseStreamEvent]:
    item_id = item.id
    yield ResponseOutputItemAddedEvent(
        type="response.output_item.added",
        item=item.model_copy(update={"content": [], "status": "in_progress"}),
        output_index=index,
        sequence_number=next_number(),
    )
    for content_index, part in enumerate(item.content):
        if not isinstance(part, ResponseOutputText):
            continue
        yield ResponseContentPartAddedEvent(
            type="response.content_part.added",
            item_id=item_id,
            output_index=index,
            content_index=content_index,
            part=ResponseOutputText(type="output_text", text="", annotations=[], logprobs=[]),
            sequence_number=next_number(),
        )
        for word in words(part.text):
            yield ResponseTextDeltaEvent(
                type="response.output_text.delta",
                item_id=item_id,
                output_index=index,
                content_index=content_index,
                delta=word,
                logprobs=[],
                sequence_number=next_number(),
            )
            # Give the event loop a turn per word so consumers see the text arrive as it is "typed".
            await asyncio.sleep(0)
        yield ResponseTextDoneEvent(
            type="response.output_text.done",
            item_id=item_id,
            output_index=index,
            content_index=content_index,
            text=part.text,
            logprobs=[],
            sequence_number=next_number(),
        )
        yield ResponseContentPartDoneEvent(
            type="response.content_part.done",
            item_id=item_id,
            output_index=index,
            content_index=content_index,
            part=part.model_copy(),
            sequence_number=next_number(),
        )
    yield ResponseOutputItemDoneEvent(
        type="response.output_item.done", item=item, output_index=index, sequence_number=next_number()
    )


def _function_call_events(
    item: ResponseFunctionToolCall, index: int, next_number: Callable[[], int]
) -> list[TResponseStreamEvent]:
    item_id = item.id or item.call_id
    return [
        ResponseOutputItemAddedEvent(
            type="response.output_item.added",
            item=item.model_copy(update={"arguments": "", "status": "in_progress"}),
            output_index=index,
            sequence_number=next_number(),
        ),
        ResponseFunctionCallArgumentsDeltaEvent(
            type="response.function_call_arguments.delta",
            item_id=item_id,
            output_index=index,
            delta=item.arguments,
            sequence_number=next_number(),
        ),
        # The event type has no `name` field in this openai version; the Responses API sends it, so we do too.
        ResponseFunctionCallArgumentsDoneEvent.model_validate(
            {
                "type": "response.function_call_arguments.done",
                "item_id": item_id,
                "output_index": index,
                "arguments": item.arguments,
                "name": item.name,
                "sequence_number": next_number(),
            }
        ),
        ResponseOutputItemDoneEvent(
            type="response.output_item.done", item=item, output_index=index, sequence_number=next_number()
        ),
    ]

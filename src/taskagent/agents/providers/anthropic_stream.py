"""Anthropic's Messages stream events as the Responses stream events the agent runtime expects.

Each text block becomes an assistant message item and each `tool_use` block a function call item,
announced with `response.output_item.added` when the block starts, streamed with
`response.output_text.delta` / `response.function_call_arguments.delta`, and closed with
`response.output_item.done`; `response.completed` carries every item and the usage. That is the
sequence the runner, the help endpoint's SSE translation and ChatKit's bridge consume.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from agents.exceptions import ModelBehaviorError
from agents.items import TResponseStreamEvent
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseFunctionToolCall,
    ResponseOutputItem,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputRefusal,
    ResponseOutputText,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
    ResponseUsage,
)
from openai.types.responses.response_usage import InputTokensDetails, OutputTokensDetails


@dataclass
class _Block:
    item_id: str
    output_index: int
    kind: str  # "text" or "tool_use"
    text: str = ""  # the text, or the tool input JSON as it streams
    name: str = ""
    call_id: str = ""


@dataclass
class _Usage:
    input: int = 0
    cache_read: int = 0
    cache_write: int = 0
    output: int = 0

    def update(self, usage: Any) -> None:
        for attribute, name in (
            ("input", "input_tokens"),
            ("cache_read", "cache_read_input_tokens"),
            ("cache_write", "cache_creation_input_tokens"),
            ("output", "output_tokens"),
        ):
            value = getattr(usage, name, None)
            if isinstance(value, int):
                setattr(self, attribute, value)

    def as_response_usage(self) -> ResponseUsage:
        # Anthropic counts cached prompt tokens apart from input_tokens; the runtime expects them in.
        prompt = self.input + self.cache_read + self.cache_write
        return ResponseUsage(
            input_tokens=prompt,
            input_tokens_details=InputTokensDetails(
                cached_tokens=self.cache_read, cache_write_tokens=self.cache_write
            ),
            output_tokens=self.output,
            output_tokens_details=OutputTokensDetails(reasoning_tokens=0),
            total_tokens=prompt + self.output,
        )


@dataclass
class StreamTranslator:
    """Feed it the SDK's raw stream events in order; it yields Responses events."""

    model: str
    max_tokens: int
    response_id: str = "msg_pending"
    finished: bool = False
    stop_reason: str | None = None
    usage: _Usage = field(default_factory=_Usage)
    _blocks: dict[int, _Block] = field(default_factory=dict)
    _output: list[ResponseOutputItem] = field(default_factory=list)
    _sequence: int = 0

    def feed(self, event: Any) -> Iterator[TResponseStreamEvent]:
        kind = event.type
        if kind == "message_start":
            self.response_id = event.message.id
            self.usage.update(event.message.usage)
            yield ResponseCreatedEvent(
                type="response.created",
                response=self._response("in_progress", []),
                sequence_number=self._next(),
            )
        elif kind == "content_block_start":
            yield from self._start_block(event.index, event.content_block)
        elif kind == "content_block_delta":
            yield from self._delta(event.index, event.delta)
        elif kind == "content_block_stop":
            yield from self._stop_block(event.index)
        elif kind == "message_delta":
            self.stop_reason = event.delta.stop_reason
            self.usage.update(event.usage)
        elif kind == "message_stop":
            yield self._completed()
        # Anything else (pings arrive filtered, new event types) carries nothing we use.

    def _start_block(self, index: int, block: Any) -> Iterator[TResponseStreamEvent]:
        output_index = len(self._blocks)
        item_id = f"{self.response_id}_{index}"
        if block.type == "text":
            self._blocks[index] = _Block(item_id, output_index, "text")
            message = ResponseOutputMessage(
                id=item_id, type="message", role="assistant", status="in_progress", content=[]
            )
            yield self._added(message, output_index)
            yield ResponseContentPartAddedEvent(
                type="response.content_part.added",
                item_id=item_id,
                output_index=output_index,
                content_index=0,
                part=_text_part(""),
                sequence_number=self._next(),
            )
        elif block.type == "tool_use":
            state = _Block(item_id, output_index, "tool_use", name=block.name, call_id=block.id)
            self._blocks[index] = state
            yield self._added(self._function_call(state, "in_progress"), output_index)
        # Thinking and server-tool blocks are not requested, so nothing else is expected here.

    def _delta(self, index: int, delta: Any) -> Iterator[TResponseStreamEvent]:
        state = self._blocks.get(index)
        if state is None:
            return
        if delta.type == "text_delta" and state.kind == "text":
            state.text += delta.text
            yield ResponseTextDeltaEvent(
                type="response.output_text.delta",
                item_id=state.item_id,
                output_index=state.output_index,
                content_index=0,
                delta=delta.text,
                logprobs=[],
                sequence_number=self._next(),
            )
        elif delta.type == "input_json_delta" and state.kind == "tool_use":
            state.text += delta.partial_json
            yield ResponseFunctionCallArgumentsDeltaEvent(
                type="response.function_call_arguments.delta",
                item_id=state.item_id,
                output_index=state.output_index,
                delta=delta.partial_json,
                sequence_number=self._next(),
            )

    def _stop_block(self, index: int) -> Iterator[TResponseStreamEvent]:
        state = self._blocks.get(index)
        if state is None:
            return
        where: dict[str, Any] = {"item_id": state.item_id, "output_index": state.output_index}
        item: ResponseOutputItem
        if state.kind == "text":
            part = _text_part(state.text)
            yield ResponseTextDoneEvent(
                type="response.output_text.done",
                content_index=0,
                text=state.text,
                logprobs=[],
                sequence_number=self._next(),
                **where,
            )
            yield ResponseContentPartDoneEvent(
                type="response.content_part.done",
                content_index=0,
                part=part,
                sequence_number=self._next(),
                **where,
            )
            item = ResponseOutputMessage(
                id=state.item_id, type="message", role="assistant", status="completed", content=[part]
            )
        else:
            state.text = state.text or "{}"  # a tool without parameters streams no input at all
            yield ResponseFunctionCallArgumentsDoneEvent(
                type="response.function_call_arguments.done",
                arguments=state.text,
                sequence_number=self._next(),
                **where,
            )
            item = self._function_call(state, "completed")
        self._output.append(item)
        yield ResponseOutputItemDoneEvent(
            type="response.output_item.done",
            item=item,
            output_index=state.output_index,
            sequence_number=self._next(),
        )

    def _completed(self) -> ResponseCompletedEvent:
        self.finished = True
        if self.stop_reason == "max_tokens" and self._has_truncated_call():
            raise ModelBehaviorError(
                f"Anthropic stopped at the token limit ({self.max_tokens}) in the middle of a tool call; "
                "raise MODEL_MAX_TOKENS"
            )
        if self.stop_reason == "refusal" and not self._output:
            refusal = ResponseOutputRefusal(
                type="refusal", refusal="The model declined to answer this request."
            )
            self._output.append(
                ResponseOutputMessage(
                    id=f"{self.response_id}_refusal",
                    type="message",
                    role="assistant",
                    status="completed",
                    content=[refusal],
                )
            )
        return ResponseCompletedEvent(
            type="response.completed",
            response=self._response("completed", list(self._output), self.usage.as_response_usage()),
            sequence_number=self._next(),
        )

    def _has_truncated_call(self) -> bool:
        for state in self._blocks.values():
            if state.kind == "tool_use":
                try:
                    json.loads(state.text)
                except ValueError:
                    return True
        return False

    def _function_call(self, state: _Block, status: str) -> ResponseFunctionToolCall:
        return ResponseFunctionToolCall.model_validate(
            {
                "id": state.item_id,
                "type": "function_call",
                "call_id": state.call_id,
                "name": state.name,
                "arguments": state.text if status == "completed" else "",
                "status": status,
            }
        )

    def _added(self, item: ResponseOutputItem, output_index: int) -> ResponseOutputItemAddedEvent:
        return ResponseOutputItemAddedEvent(
            type="response.output_item.added",
            item=item,
            output_index=output_index,
            sequence_number=self._next(),
        )

    def _response(
        self, status: str, output: list[ResponseOutputItem], usage: ResponseUsage | None = None
    ) -> Response:
        return Response.model_validate(
            {
                "id": self.response_id,
                "object": "response",
                "created_at": time.time(),
                "model": self.model,
                "status": status,
                "output": output,
                "usage": usage,
                "tool_choice": "auto",
                "tools": [],
                "parallel_tool_calls": True,
            }
        )

    def _next(self) -> int:
        self._sequence += 1
        return self._sequence - 1


def _text_part(text: str) -> ResponseOutputText:
    return ResponseOutputText(type="output_text", text=text, annotations=[], logprobs=[])

"""A run's SDK stream events as what was said (`Transcript`), and the help endpoint's two renderings.

    transcript = Transcript()                   # one per turn (`agents.turn.AgentTurn.transcript`)
    for said in transcript.translate(event):    # each SDK stream event of the run
        yield sse(said)                         # "event: delta\\ndata: {...}\\n\\n"
    transcript.text, transcript.agent_id        # what was said, and by whom (stored as the answer)

Events (data in JSON): `agent` {id, name} each time an agent takes over; `delta` {text}; `tool`
{name, arguments, result} once a tool call has its result; then the turn adds `done` {specialist,
thread_id} or `error` {message}. Hand-offs show as the `agent` event of the new agent. The help
endpoint sends them as server-sent events (`sse`) or as the seed's plain text (`PlainTextRenderer`);
the chat renders the same run as ChatKit events (`chat.server`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from agents import AgentUpdatedStreamEvent, RawResponsesStreamEvent, RunItemStreamEvent, StreamEvent
from agents.items import MessageOutputItem, ToolCallItem, ToolCallOutputItem
from openai.types.responses import ResponseOutputText

from taskagent.agents.definitions import TASK_MANAGER, TRIAGE, agent_id

SSE_MEDIA_TYPE = "text/event-stream"
PLAIN_MEDIA_TYPE = "text/plain"


@dataclass(frozen=True)
class TurnEvent:
    event: str  # agent | delta | tool | done | error
    data: dict[str, Any]


def sse(event: TurnEvent | None) -> str:
    """A turn event as a server-sent event; None (no news for a while) as a keep-alive comment."""
    if event is None:
        return ": keep-alive\n\n"
    return f"event: {event.event}\ndata: {json.dumps(event.data, ensure_ascii=False)}\n\n"


def agent_event(agent_key: str, name: str | None = None) -> TurnEvent:
    return TurnEvent("agent", {"id": agent_key, "name": name or agent_key})


def delta_event(text: str) -> TurnEvent:
    return TurnEvent("delta", {"text": text})


def done_event(specialist: str | None, thread_id: str) -> TurnEvent:
    return TurnEvent("done", {"specialist": specialist, "thread_id": thread_id})


def error_event(message: str) -> TurnEvent:
    return TurnEvent("error", {"message": message})


def _json_or_text(value: Any) -> Any:
    """A tool's arguments or result as JSON when they are JSON (they are, for our tools)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _field(raw: Any, name: str) -> Any:
    return raw.get(name) if isinstance(raw, dict) else getattr(raw, name, None)


@dataclass
class Transcript:
    """Translates one run's SDK events, keeping the text said so far and the agent saying it."""

    agent_id: str | None = None
    agent_name: str | None = None
    parts: list[str] = field(default_factory=list)
    _calls: dict[str, tuple[str, Any]] = field(default_factory=dict)
    _streamed_items: set[str] = field(default_factory=set)

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def translate(self, event: StreamEvent) -> list[TurnEvent]:
        if isinstance(event, AgentUpdatedStreamEvent):
            return self._agent(event)
        if isinstance(event, RawResponsesStreamEvent):
            return self._raw(event)
        if isinstance(event, RunItemStreamEvent):
            return self._item(event)
        return []

    def _agent(self, event: AgentUpdatedStreamEvent) -> list[TurnEvent]:
        new_id = agent_id(event.new_agent)
        if new_id == self.agent_id:
            return []
        self.agent_id, self.agent_name = new_id, event.new_agent.name
        return [agent_event(new_id, event.new_agent.name)]

    def _say(self, text: str) -> list[TurnEvent]:
        if not text:
            return []
        self.parts.append(text)
        return [delta_event(text)]

    def _raw(self, event: RawResponsesStreamEvent) -> list[TurnEvent]:
        data = event.data
        if data.type == "response.output_item.added" and _field(data.item, "type") == "message":
            # A new message after earlier text (an agent's preamble, then the specialist): a paragraph break.
            if self.parts and not self.text.endswith("\n\n"):
                return self._say("\n\n")
            return []
        if data.type == "response.output_text.delta":
            item_id = _field(data, "item_id")
            if isinstance(item_id, str):
                self._streamed_items.add(item_id)
            delta = _field(data, "delta")
            return self._say(delta) if isinstance(delta, str) else []
        return []

    def _item(self, event: RunItemStreamEvent) -> list[TurnEvent]:
        item = event.item
        if event.name == "tool_called" and isinstance(item, ToolCallItem):
            call_id, name = _field(item.raw_item, "call_id"), _field(item.raw_item, "name")
            if isinstance(call_id, str) and isinstance(name, str):
                self._calls[call_id] = (name, _json_or_text(_field(item.raw_item, "arguments")))
            return []
        if event.name == "tool_output" and isinstance(item, ToolCallOutputItem):
            call_id = _field(item.raw_item, "call_id")
            name, arguments = (
                self._calls.pop(call_id, ("unknown", None)) if isinstance(call_id, str) else ("", None)
            )
            return [
                TurnEvent(
                    "tool", {"name": name, "arguments": arguments, "result": _json_or_text(item.output)}
                )
            ]
        if event.name == "message_output_created" and isinstance(item, MessageOutputItem):
            # A model that returned its message whole (no deltas): say it now.
            if item.raw_item.id in self._streamed_items:
                return []
            text = "".join(
                part.text for part in item.raw_item.content if isinstance(part, ResponseOutputText)
            )
            return self._say(text)
        return []

    @property
    def specialist(self) -> str | None:
        """The agent that answered last (a specialist, when triage handed off)."""
        return self.agent_id


@dataclass
class PlainTextRenderer:
    """The seed's text/plain body: `[Routing to Scheduler Agent]`, a blank line, the text."""

    _written: bool = False

    def render(self, event: TurnEvent) -> str:
        chunk = ""
        if event.event == "agent" and event.data.get("id") not in (TRIAGE.id, TASK_MANAGER.id):
            chunk = ("\n\n" if self._written else "") + f"[Routing to {event.data.get('name')}]\n\n"
        elif event.event == "delta":
            chunk = str(event.data.get("text", ""))
        elif event.event == "error":
            chunk = ("\n\n" if self._written else "") + f"[Error] {event.data.get('message', '')}\n"
        elif event.event == "done" and self._written:
            chunk = "\n"
        if chunk:
            self._written = True
        return chunk

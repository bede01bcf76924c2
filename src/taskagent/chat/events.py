"""From an agent run to ChatKit events: the SDK's bridge, with its three gaps filled.

`chatkit.agents.stream_agent_response` turns text into assistant-message events, but in openai-chatkit
1.6.5 it

1. drops hand-offs (`AgentUpdatedStreamEvent`, hand-off items) and shows nothing of tool calls: here a
   `RunObserver` watches the same run events on their way into the bridge and adds, in order, a progress
   update when a tool starts, and a persisted `TaskItem` for each hand-off ("Handed off to Scheduler
   Agent") and each tool result ("Created task #12: Review Q4 report");
2. reuses the model's item id for the assistant message, and Chat Completions models have none: every
   message is `__fake_id__`, so each reply overwrote the previous one in the store. `AssistantIds` gives
   every assistant message a fresh `store.generate_item_id("message", ...)` id in its added, updated and
   done events (all models, so ids never depend on the provider);
3. (the replay of assistant history as `output_text`, which broke the second Chat Completions turn, is
   avoided on the input side: `conversations.history.model_input` replays messages as plain text.)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from agents import AgentUpdatedStreamEvent, RunItemStreamEvent, StreamEvent
from agents.items import ToolCallItem, ToolCallOutputItem
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageContentPartAdded,
    AssistantMessageContentPartDone,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    CustomTask,
    ProgressUpdateEvent,
    TaskItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemRemovedEvent,
    ThreadItemUpdatedEvent,
    ThreadStreamEvent,
)

from taskagent.chat.actions import describe_tool_result, handoff_text, progress_text


class RunObserver:
    """Collects the events the bridge drops; the caller yields them before the bridge's next event."""

    def __init__(self, thread_id: str, new_id: Callable[[str], str], starting_agent: str) -> None:
        self.thread_id = thread_id
        self.new_id = new_id
        self.agent_name = starting_agent
        self.handoffs: list[str] = []
        self.actions: list[str] = []
        self._pending: list[ThreadStreamEvent] = []
        self._calls: dict[str, tuple[str, dict[str, Any]]] = {}

    def observe(self, event: StreamEvent) -> None:
        if isinstance(event, AgentUpdatedStreamEvent):
            name = event.new_agent.name
            if name != self.agent_name:
                self.agent_name = name
                self.handoffs.append(name)
                text = handoff_text(name)
                self._pending.append(ProgressUpdateEvent(icon="agent", text=text))
                self._task_item(text, None, "agent")
        elif isinstance(event, RunItemStreamEvent):
            if event.name == "tool_called" and isinstance(event.item, ToolCallItem):
                tool, call_id, arguments = _call(event.item.raw_item)
                if tool is None:
                    return
                self._calls[call_id or ""] = (tool, arguments)
                text, icon = progress_text(tool)
                self._pending.append(ProgressUpdateEvent(icon=icon, text=text))
            elif event.name == "tool_output" and isinstance(event.item, ToolCallOutputItem):
                call = self._calls.pop(_output_call_id(event.item.raw_item) or "", None)
                if call is None:
                    return
                name, arguments = call
                for action in describe_tool_result(name, arguments, event.item.output):
                    self.actions.append(action.title)
                    self._task_item(action.title, action.content, action.icon)

    def _task_item(self, title: str, content: str | None, icon: Any) -> None:
        task = CustomTask(title=title, content=content, icon=icon, status_indicator="complete")
        item = TaskItem(
            id=self.new_id("task"), thread_id=self.thread_id, created_at=datetime.now(UTC), task=task
        )
        self._pending.append(ThreadItemDoneEvent(item=item))

    def drain(self) -> list[ThreadStreamEvent]:
        pending, self._pending = self._pending, []
        return pending


class AssistantIds:
    """Gives each assistant message a store id, and remembers its text in case the run fails half-way."""

    def __init__(self, thread_id: str, new_id: Callable[[str], str]) -> None:
        self.thread_id = thread_id
        self.new_id = new_id
        self._open: dict[str, str] = {}  # the model's id (maybe "__fake_id__") -> ours, while streaming
        self._texts: dict[str, list[str]] = {}  # ours -> content parts so far
        self._done: dict[str, str] = {}

    def fix(self, event: ThreadStreamEvent) -> ThreadStreamEvent | None:
        if isinstance(event, ThreadItemAddedEvent) and isinstance(event.item, AssistantMessageItem):
            ours = self.new_id("message")
            self._open[event.item.id] = ours
            self._texts[ours] = [part.text for part in event.item.content]
            return ThreadItemAddedEvent(item=event.item.model_copy(update={"id": ours}))
        if isinstance(event, ThreadItemUpdatedEvent) and event.item_id in self._open:
            ours = self._open[event.item_id]
            self._remember(ours, event)
            return ThreadItemUpdatedEvent(item_id=ours, update=event.update)
        if isinstance(event, ThreadItemDoneEvent) and isinstance(event.item, AssistantMessageItem):
            ours = self._open.pop(event.item.id, "") or self.new_id("message")
            self._texts.pop(ours, None)
            self._done[event.item.id] = ours
            if not any(part.text.strip() for part in event.item.content):
                return ThreadItemRemovedEvent(item_id=ours)  # an empty message: nothing to keep or show
            return ThreadItemDoneEvent(item=event.item.model_copy(update={"id": ours}))
        if isinstance(event, ThreadItemRemovedEvent):
            known = self._open.pop(event.item_id, "") or self._done.get(event.item_id, "")
            return ThreadItemRemovedEvent(item_id=known) if known else event
        return event

    def _remember(self, ours: str, event: ThreadItemUpdatedEvent) -> None:
        texts = self._texts.setdefault(ours, [])
        update = event.update
        if isinstance(update, AssistantMessageContentPartAdded | AssistantMessageContentPartDone):
            index, text = update.content_index, update.content.text
        elif isinstance(update, AssistantMessageContentPartTextDelta):
            index = update.content_index
            while len(texts) <= index:
                texts.append("")
            text = texts[index] + update.delta
        else:
            return
        while len(texts) <= index:
            texts.append("")
        texts[index] = text

    def unfinished(self) -> list[ThreadStreamEvent]:
        """Done events for messages cut short (the run failed): what was said is kept."""
        events: list[ThreadStreamEvent] = []
        for ours in list(self._open.values()):
            texts = self._texts.pop(ours, [])
            if any(text.strip() for text in texts):
                item = AssistantMessageItem(
                    id=ours,
                    thread_id=self.thread_id,
                    created_at=datetime.now(UTC),
                    content=[AssistantMessageContent(text=text) for text in texts],
                )
                events.append(ThreadItemDoneEvent(item=item))
            else:
                events.append(ThreadItemRemovedEvent(item_id=ours))
        self._open.clear()
        return events


def _call(raw: Any) -> tuple[str | None, str | None, dict[str, Any]]:
    """(name, call_id, arguments) of a function call item, dict or model."""
    get = raw.get if isinstance(raw, dict) else lambda key, default=None: getattr(raw, key, default)
    if get("type") not in (None, "function_call"):
        return None, None, {}
    name, call_id, arguments = get("name"), get("call_id"), get("arguments")
    try:
        parsed = json.loads(arguments) if isinstance(arguments, str) and arguments.strip() else {}
    except json.JSONDecodeError:
        parsed = {}
    return (
        name if isinstance(name, str) else None,
        call_id if isinstance(call_id, str) else None,
        parsed if isinstance(parsed, dict) else {},
    )


def _output_call_id(raw: Any) -> str | None:
    call_id = raw.get("call_id") if isinstance(raw, dict) else getattr(raw, "call_id", None)
    return call_id if isinstance(call_id, str) else None

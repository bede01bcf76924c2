"""What the engine reads from a model call: the clock, the focus task, the request and the history.

The runtime hands a model the whole conversation as Responses input items. The engine is stateless:
on every call it finds the latest real user message (the request), everything said before it (the
history, replayed by ChatKit or the help thread as plain message text) and the tool calls made since
the request (this turn's work so far), and decides the next step from those alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from .dates import parse_now
from .tasks import TaskInfo

Role = Literal["user", "assistant", "context", "tool"]

# User-role messages that ChatKit's converter writes for the model rather than the person typing.
_SYNTHETIC_PREFIXES = (
    "hidden context for the agent",
    "a message was displayed to the user",
    "the following graphical ui widget",
    "the user is referring to this in particular",
    "# user-provided context",
    "a structured input request was displayed",
    "the following image was generated",
)
_NESTED_HISTORY_START = "<CONVERSATION HISTORY>"


@dataclass(frozen=True)
class ToolCall:
    call_id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ToolResult:
    """A call made this turn and what came back (None while it has not come back)."""

    call: ToolCall
    output: Any

    @property
    def error(self) -> str | None:
        if isinstance(self.output, Mapping) and isinstance(self.output.get("error"), str):
            return str(self.output["error"])
        if isinstance(self.output, str) and self.output.strip():
            # A plain-text output is the SDK's own message for a failed tool ("An error occurred ...").
            return self.output.strip()
        return None


@dataclass(frozen=True)
class Entry:
    """One thing said before the request, in order."""

    role: Role
    text: str
    tool_output: Any = None


@dataclass
class Conversation:
    now: datetime
    zone: ZoneInfo
    focus_task_id: int | None
    request: str
    history: list[Entry] = field(default_factory=list)
    turn: list[ToolResult] = field(default_factory=list)

    def results(self, name: str) -> list[ToolResult]:
        return [result for result in self.turn if result.call.name == name]

    def last_result(self, name: str) -> ToolResult | None:
        found = self.results(name)
        return found[-1] if found else None

    @property
    def own_calls(self) -> int:
        return len(self.turn)

    def previous_exchange(self) -> tuple[str, list[str]] | None:
        """The user message before the request and the assistant replies to it."""
        replies: list[str] = []
        for entry in reversed(self.history):
            if entry.role == "assistant":
                replies.insert(0, entry.text)
            elif entry.role == "user":
                return entry.text, replies
        return None

    def last_assistant_text(self) -> str | None:
        for entry in reversed(self.history):
            if entry.role == "assistant" and entry.text.strip():
                return entry.text
            if entry.role == "user":
                return None
        return None

    def assistant_texts(self) -> list[str]:
        return [entry.text for entry in self.history if entry.role == "assistant"]


def read_conversation(instructions: str | None, items: str | Sequence[Any]) -> Conversation:
    now, zone = parse_now(instructions)
    focus = re.search(r"^\s*Focus task:\s*#?(\d+)", instructions or "", re.MULTILINE)
    focus_id = int(focus.group(1)) if focus else None
    normalised = list(_expand_nested_history(_as_dicts(items)))

    request_index = None
    for index in range(len(normalised) - 1, -1, -1):
        item = normalised[index]
        if _role(item) == "user" and not _is_synthetic(_text(item)):
            request_index = index
            break
    before = normalised if request_index is None else normalised[:request_index]
    after = [] if request_index is None else normalised[request_index + 1 :]
    request = "" if request_index is None else _text(normalised[request_index]).strip()

    history = _entries(before)
    outputs = {
        str(item.get("call_id")): _parse_output(item.get("output"))
        for item in after
        if item.get("type") == "function_call_output"
    }
    turn = [
        ToolResult(call, outputs.get(call.call_id))
        for call in (_tool_call(item) for item in after if item.get("type") == "function_call")
    ]
    # Context messages after the request (quoted text, hidden context) still count as history.
    history.extend(entry for entry in _entries(after) if entry.role == "context")
    return Conversation(
        now=now, zone=zone, focus_task_id=focus_id, request=request, history=history, turn=turn
    )


def _as_dicts(items: str | Sequence[Any]) -> list[dict[str, Any]]:
    if isinstance(items, str):
        return [{"role": "user", "content": items}]
    result = []
    for item in items:
        if isinstance(item, Mapping):
            result.append(dict(item))
        elif hasattr(item, "model_dump"):
            result.append(item.model_dump(exclude_unset=True))
    return result


def _role(item: Mapping[str, Any]) -> str | None:
    role = item.get("role")
    if isinstance(role, str) and item.get("type", "message") == "message":
        return role
    return None


def _text(item: Mapping[str, Any]) -> str:
    content = item.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, Mapping) and isinstance(part.get("text"), str):
                parts.append(part["text"])
            elif isinstance(part, Mapping) and isinstance(part.get("refusal"), str):
                parts.append(part["refusal"])
        return "\n".join(parts)
    return ""


def _is_synthetic(text: str) -> bool:
    return text.strip().lower().startswith(_SYNTHETIC_PREFIXES)


def _tool_call(item: Mapping[str, Any]) -> ToolCall:
    raw = item.get("arguments")
    try:
        arguments = json.loads(raw) if isinstance(raw, str) and raw.strip() else {}
    except json.JSONDecodeError:
        arguments = {}
    return ToolCall(
        call_id=str(item.get("call_id") or item.get("id") or ""),
        name=str(item.get("name") or ""),
        arguments=arguments if isinstance(arguments, dict) else {},
    )


def _parse_output(output: Any) -> Any:
    if isinstance(output, list):  # structured outputs: a list of content parts
        output = "".join(str(part.get("text", "")) for part in output if isinstance(part, Mapping))
    if isinstance(output, str):
        try:
            return json.loads(output)
        except json.JSONDecodeError:
            return output
    return output


def _entries(items: Iterable[Mapping[str, Any]]) -> list[Entry]:
    entries: list[Entry] = []
    for item in items:
        role = _role(item)
        if role in {"user", "assistant"}:
            text = _text(item)
            if role == "user" and _is_synthetic(text):
                entries.append(Entry("context", text))
            else:
                entries.append(Entry("assistant" if role == "assistant" else "user", text))
        elif item.get("type") == "function_call_output":
            output = _parse_output(item.get("output"))
            entries.append(
                Entry("tool", json.dumps(output) if not isinstance(output, str) else output, output)
            )
    return entries


def _expand_nested_history(items: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """Unfold the SDK's optional nested hand-off summary back into items.

    (`RunConfig.nest_handoff_history` replaces the history with one assistant message listing it.)
    """
    for item in items:
        text = _text(item) if _role(item) == "assistant" else ""
        if _NESTED_HISTORY_START not in text:
            yield item
            continue
        block = text.split(_NESTED_HISTORY_START, 1)[1].split("</CONVERSATION HISTORY>", 1)[0]
        for line in block.strip().splitlines():
            match = re.match(r"^\d+\.\s+(.*)$", line.strip())
            if not match:
                continue
            body = match.group(1)
            if body.startswith("{"):
                try:
                    parsed = json.loads(body)
                except json.JSONDecodeError:
                    continue
                if isinstance(parsed, dict):
                    yield parsed
                continue
            head, _, rest = body.partition(": ")
            head = head.split(" (")[0]
            if head in {"user", "assistant"}:
                yield {"role": head, "content": rest}
            elif head in {"function_call", "function_call_output"}:
                try:
                    parsed = json.loads(rest)
                except json.JSONDecodeError:
                    continue
                if isinstance(parsed, dict):
                    yield {"type": head, **parsed}


# --- task ids mentioned in the conversation ----------------------------------------------------------

_HASH_ID = re.compile(r"(?<![\w&])#(\d+)\b")
_USER_ID = re.compile(r"(?:\btasks?\s*(?:number\s*|no\.?\s*|id\s*)?#?|(?<![\w&])#)(\d+)\b", re.IGNORECASE)


def mentioned_ids(entry: Entry) -> list[int]:
    """Task ids an entry names, in order of appearance."""
    if entry.role == "tool":
        return [task.id for task in tasks_in_output(entry.tool_output)]
    pattern = _USER_ID if entry.role == "user" else _HASH_ID
    return list(dict.fromkeys(int(match.group(1)) for match in pattern.finditer(entry.text)))


def tasks_in_output(output: Any) -> list[TaskInfo]:
    """Every task a tool result carries, whatever its shape (`task`, `tasks`, `created`, `matches`...)."""
    if isinstance(output, list):
        return [task for item in output for task in tasks_in_output(item)]
    if not isinstance(output, Mapping):
        return []
    direct = TaskInfo.from_json(output)
    if direct is not None:
        return [direct]
    found: list[TaskInfo] = []
    for key in ("task", "tasks", "created", "matches", "deleted"):
        if key in output:
            value = output[key]
            if key == "deleted" and isinstance(value, Mapping) and isinstance(value.get("id"), int):
                found.append(
                    TaskInfo(id=int(value["id"]), title=str(value.get("title", "")), status="deleted")
                )
            else:
                found.extend(tasks_in_output(value))
    return found

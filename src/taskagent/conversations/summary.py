"""Rolling summaries of the older part of a thread (context management).

A thread's items older than its recent window are folded into `Thread.summary`, and
`Thread.summary_through_seq` records the last item folded. Folding is incremental: the new summary is
computed from the previous summary and the newly folded items only, so no turn ever re-reads the thread.

The summariser is extractive for every model, hosted ones included: it is deterministic, costs no model
call (no extra latency or failure mode in the middle of a user's turn), and keeps exactly what later turns
need: the tasks mentioned, as `#id title` (the ids the user and the tools refer to), and the user's recent
requests. Its size is bounded (a fixed number of tasks and requests, each cut to a fixed length), so the
prompt stops growing with the thread.

The summary is stored as text in a fixed layout that `parse_summary` reads back:

    Summary of the earlier conversation (41 messages from the user before the recent ones):
    Tasks mentioned (#id title, most recent last):
    - #12 Review Q4 report
    - #14 Email the team (deleted)
    Earlier requests from the user (most recent last):
    - create a task to review the Q4 report with high priority
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_TASKS = 40
MAX_REQUESTS = 12
MAX_TITLE_CHARS = 80
MAX_REQUEST_CHARS = 160

_HEADER = "Summary of the earlier conversation"
_TASKS_HEADER = "Tasks mentioned (#id title, most recent last):"
_REQUESTS_HEADER = "Earlier requests from the user (most recent last):"
_COUNT = re.compile(r"^Summary of the earlier conversation \((\d+) messages? from the user")
_TASK_LINE = re.compile(r"^- #(\d+)(?: (.*?))?(?: \((deleted)\))?$")

# "#12: Review Q4 report", "#12 Review Q4 report", "#12 - 'Review Q4 report'", "#12 (Review Q4 report)"
_MENTION = re.compile(
    r"(?<![\w&])#(\d+)\b(?:\s*[:\-\u2013\u2014]\s*|\s+|\s*\()?[\"'\u201c\u2018\u00ab]?"
    r"([A-Za-z0-9][^\"\u201d\u2019\u00bb\n()\[\];|]{0,79}?)"
    r"(?=[\"\u201d\u2019\u00bb]|\s*(?:\(|\)|\[|,\s|;|\.\s|\.$|\n|$| - | \u2013 | \u2014 | \|))"
)
_BARE_ID = re.compile(r"(?<![\w&])#(\d+)\b")
# How people name a task in their own words: "task 12", "task #12", "task number 12", "#12".
_USER_ID = re.compile(r"(?:\btasks?\s*(?:number\s*|no\.?\s*|id\s*)?#?|(?<![\w&])#)(\d+)\b", re.IGNORECASE)
_DELETED = re.compile(r"\bdeleted\b", re.IGNORECASE)
# A word after the id that is not a title ("#12 is due Friday", "#12 and #13").
_NOT_A_TITLE = re.compile(
    r"^(?:is|was|has|had|and|or|to|now|has been|will|with|for|from|in|on|at|by|as|the task)\b", re.IGNORECASE
)


@dataclass
class Summary:
    user_messages: int = 0
    tasks: dict[int, tuple[str, bool]] = field(default_factory=dict)  # id -> (title, deleted), oldest first
    requests: list[str] = field(default_factory=list)

    def mention(
        self, task_id: int, title: str, *, deleted: bool = False, authoritative: bool = False
    ) -> None:
        """Record a task mention; it moves to the end (most recent). A title from a tool result
        (authoritative) replaces one guessed from prose; a guessed one never replaces a known one."""
        title = _clip(" ".join(title.split()), MAX_TITLE_CHARS)
        previous = self.tasks.pop(task_id, None)
        if previous is not None and previous[0] and not authoritative:
            title = previous[0]
            deleted = deleted or previous[1]
        self.tasks[task_id] = (title, deleted)
        while len(self.tasks) > MAX_TASKS:
            del self.tasks[next(iter(self.tasks))]

    def request(self, text: str) -> None:
        text = _clip(" ".join(text.split()), MAX_REQUEST_CHARS)
        if not text:
            return
        self.user_messages += 1
        self.requests.append(text)
        del self.requests[:-MAX_REQUESTS]

    def render(self) -> str:
        plural = "" if self.user_messages == 1 else "s"
        lines = [f"{_HEADER} ({self.user_messages} message{plural} from the user before the recent ones):"]
        if self.tasks:
            lines.append(_TASKS_HEADER)
            for task_id, (title, deleted) in self.tasks.items():
                line = f"- #{task_id}" + (f" {title}" if title else "") + (" (deleted)" if deleted else "")
                lines.append(line)
        if self.requests:
            lines.append(_REQUESTS_HEADER)
            lines.extend(f"- {request}" for request in self.requests)
        return "\n".join(lines)


def parse_summary(text: str | None) -> Summary:
    """Read back a summary written by `Summary.render` (anything else starts a fresh one)."""
    summary = Summary()
    if not text:
        return summary
    section = ""
    for line in text.splitlines():
        if match := _COUNT.match(line):
            summary.user_messages = int(match.group(1))
        elif line == _TASKS_HEADER:
            section = "tasks"
        elif line == _REQUESTS_HEADER:
            section = "requests"
        elif section == "tasks" and (match := _TASK_LINE.match(line)):
            summary.tasks[int(match.group(1))] = (match.group(2) or "", match.group(3) is not None)
        elif section == "requests" and line.startswith("- "):
            summary.requests.append(line[2:])
    return summary


def fold(previous: str | None, items: Iterable[Mapping[str, Any]]) -> str:
    """The summary of `previous` followed by `items` (ChatKit thread items as stored JSON, in order)."""
    summary = parse_summary(previous)
    for item in items:
        kind = item.get("type")
        if kind == "user_message":
            text = _user_text(item)
            summary.request(text)
            for task_id in dict.fromkeys(int(match.group(1)) for match in _USER_ID.finditer(text)):
                summary.mention(task_id, "")
        elif kind == "assistant_message":
            _mentions_in_prose(summary, _assistant_text(item))
        elif kind == "task":
            task = item.get("task") or {}
            text = "\n".join(str(task.get(key) or "") for key in ("title", "content"))
            _mentions_in_tool_text(summary, text)
        elif kind == "workflow":
            for task in (item.get("workflow") or {}).get("tasks") or []:
                text = "\n".join(str(task.get(key) or "") for key in ("title", "content"))
                _mentions_in_tool_text(summary, text)
    return summary.render()


def _mentions_in_tool_text(summary: Summary, text: str) -> None:
    """Lines written by the chat's tool-action items: "Created task #12: Review Q4 report", "#12 Title"."""
    for line in text.splitlines():
        match = re.match(r"^#(\d+)\s+(.+)$", line.strip()) or re.search(r"#(\d+):\s+(.+)$", line.strip())
        if match:
            deleted = bool(re.match(r"^\s*deleted\b", line, re.IGNORECASE))
            summary.mention(int(match.group(1)), match.group(2), deleted=deleted, authoritative=True)
        else:
            for task_id in _ids(line):
                summary.mention(task_id, "")


def _mentions_in_prose(summary: Summary, text: str) -> None:
    seen: set[int] = set()
    for match in _MENTION.finditer(text):
        task_id, title = int(match.group(1)), match.group(2).strip(" .,:")
        if _NOT_A_TITLE.match(title):
            title = ""
        window = text[max(0, match.start() - 20) : match.start()]
        summary.mention(task_id, title, deleted=bool(_DELETED.search(window)))
        seen.add(task_id)
    for task_id in _ids(text):
        if task_id not in seen:
            summary.mention(task_id, "")


def _ids(text: str) -> list[int]:
    return list(dict.fromkeys(int(match.group(1)) for match in _BARE_ID.finditer(text)))


def _user_text(item: Mapping[str, Any]) -> str:
    parts = []
    for part in item.get("content") or []:
        if isinstance(part, Mapping):
            text = part.get("text")
            if isinstance(text, str):
                parts.append(f"@{text}" if part.get("type") == "input_tag" else text)
    return "".join(parts)


def _assistant_text(item: Mapping[str, Any]) -> str:
    return "\n".join(
        str(part.get("text") or "") for part in item.get("content") or [] if isinstance(part, Mapping)
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

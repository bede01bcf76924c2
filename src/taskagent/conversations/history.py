"""What a model sees of a stored thread (help or chat): the summary of older items, then the recent ones.

    window = await load_window(repository, thread)   # one bounded read; folds older items when full
    input_items = model_input(window)                # the one converter of stored items to model input

Per turn this reads a fixed number of rows whatever the thread's length: the newest
`WINDOW_ITEMS + FOLD_STEP` items. Once that many items are newer than the summary, all but the newest
`WINDOW_ITEMS` are folded into `Thread.summary` (`conversations.summary.fold`, from the rows already read)
and `summary_through_seq` moves on, stored in the caller's unit of work. The prompt therefore holds the
summary (bounded) and between `WINDOW_ITEMS` and `WINDOW_ITEMS + FOLD_STEP` items. A thread whose older
items were never summarised (written before summaries existed, or imported) catches up `CATCH_UP_ROWS`
items per turn, oldest first.

Items are the stored ChatKit JSON (`ThreadItem.data`). Messages become messages with plain string
content, which every model accepts (the Chat Completions converter of openai-agents refuses replayed
`output_text` parts), the offline engine included; older ones are cut to `MAX_REPLAYED_CHARS`, the newest
user message (the request) is kept whole. A tool-action card (a `task` item of the chat) becomes the line
ChatKit's own converter writes for it. Other kinds (widgets, hidden context) carry nothing the agents
need and are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from agents import TResponseInputItem
from openai.types.responses import EasyInputMessageParam

from taskagent.conversations.models import Thread
from taskagent.conversations.repository import ConversationRepository
from taskagent.conversations.summary import fold

WINDOW_ITEMS = 16  # recent items replayed verbatim
FOLD_STEP = 8  # items folded into the summary at a time, once the window is full
CATCH_UP_ROWS = 200  # older unsummarised items folded in one turn (threads written before summaries)
MAX_REPLAYED_CHARS = 2_000  # older items are replayed cut to this length; the request whole
SUMMARY_PREFIX = "Hidden context for the agent (not shown to the user):\n<HiddenContext>\n"
SUMMARY_SUFFIX = "\n</HiddenContext>"
TASK_CARD_PREFIX = "A message was displayed to the user that the following task was performed:\n<Task>\n"
TASK_CARD_SUFFIX = "\n</Task>"


@dataclass(frozen=True)
class HistoryWindow:
    """The summary of a thread's older items, and its recent items (stored JSON, oldest first)."""

    summary: str | None
    items: Sequence[Mapping[str, Any]]


async def load_window(repository: ConversationRepository, thread: Thread) -> HistoryWindow:
    """The thread's summary and its newest `WINDOW_ITEMS` to `WINDOW_ITEMS + FOLD_STEP` unsummarised items.

    Every item is either summarised or replayed, except while an old thread catches up (the items between
    the summary and the rows read are then left out, `CATCH_UP_ROWS` fewer each turn).
    """
    rows = await repository.recent_items(thread.id, WINDOW_ITEMS + FOLD_STEP)
    summary, through = thread.summary, thread.summary_through_seq
    if rows and rows[-1].seq - through >= WINDOW_ITEMS + FOLD_STEP:
        cut = rows[-1].seq - WINDOW_ITEMS
        folded = [row for row in rows if through < row.seq <= cut]
        if rows[0].seq > through + 1:  # unsummarised items older than those read
            folded = await repository.items_between(thread.id, through, cut, limit=CATCH_UP_ROWS)
        if folded:
            summary, through = fold(summary, (row.data for row in folded)), folded[-1].seq
            await repository.update_summary(thread, summary, through)
    return HistoryWindow(summary, [row.data for row in rows if row.seq > through])


def model_input(window: HistoryWindow) -> list[TResponseInputItem]:
    """The model input of a history window: the summary as hidden context, then the items in order."""
    result: list[TResponseInputItem] = []
    if window.summary:
        result.append(_message("user", SUMMARY_PREFIX + window.summary + SUMMARY_SUFFIX))
    last = len(window.items) - 1
    for index, data in enumerate(window.items):
        converted = item_input(data, whole=index == last)
        if converted is not None:
            result.append(converted)
    return result


def item_input(data: Mapping[str, Any], *, whole: bool = False) -> TResponseInputItem | None:
    """One stored item as a model input message (cut unless `whole`), or None for kinds the model does
    not need."""
    kind = data.get("type")
    if kind == "user_message":
        text = user_text(data)
        quoted = data.get("quoted_text")
        if isinstance(quoted, str) and quoted.strip():
            text = f"(Replying to: {quoted.strip()})\n{text}"
        return _message("user", text if whole else _clip(text)) if text.strip() else None
    if kind == "assistant_message":
        text = assistant_text(data)
        return _message("assistant", _clip(text)) if text.strip() else None
    if kind == "task":
        text = _card_text(data.get("task"))
        return _message("user", TASK_CARD_PREFIX + _clip(text) + TASK_CARD_SUFFIX) if text else None
    return None


def user_text(data: Mapping[str, Any]) -> str:
    """The text of a stored user message (tags as `@name`, as ChatKit's converter renders them)."""
    parts = []
    for part in data.get("content") or []:
        if isinstance(part, Mapping) and isinstance(part.get("text"), str):
            parts.append(f"@{part['text']}" if part.get("type") == "input_tag" else part["text"])
    return "".join(parts)


def assistant_text(data: Mapping[str, Any]) -> str:
    """The text of a stored assistant message."""
    return "".join(
        str(part.get("text") or "") for part in data.get("content") or [] if isinstance(part, Mapping)
    )


def _card_text(task: Any) -> str:
    """A tool-action card as ChatKit's converter words it: "title: content", or whichever is set."""
    if not isinstance(task, Mapping) or task.get("type", "custom") != "custom":
        return ""
    title, content = str(task.get("title") or ""), str(task.get("content") or "")
    return f"{title}: {content}" if title and content else title or content


def _message(role: Literal["user", "assistant"], text: str) -> TResponseInputItem:
    return EasyInputMessageParam(type="message", role=role, content=text)


def _clip(text: str) -> str:
    if len(text) <= MAX_REPLAYED_CHARS:
        return text
    return text[: MAX_REPLAYED_CHARS - 10].rstrip() + " …(cut)"

"""What a model sees of a stored thread: the summary of older items, then the recent items verbatim.

    input_items = await thread_input(repository, thread)   # one bounded read of the newest items

Items are the stored ChatKit JSON (`ThreadItem.data`). User messages become user messages and assistant
messages assistant messages with plain string content: every model accepts that (the Chat Completions
converter refuses replayed `output_text` parts), the offline engine included. Other item kinds (widgets,
tool-action cards, hidden context) carry nothing a help thread needs and are skipped.

Older items are folded into `Thread.summary` (`conversations.summary.fold`) a step at a time once the
window is full, so the prompt stays bounded however long the thread grows; the summary leads the input
as hidden context, as in the chat.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from agents import TResponseInputItem

from taskagent.conversations.models import Thread, ThreadItem
from taskagent.conversations.repository import ConversationRepository
from taskagent.conversations.summary import fold

HISTORY_ITEMS = 16  # recent items replayed verbatim
FOLD_STEP = 8  # items folded into the summary at a time, once the window is full
CATCH_UP_ROWS = 200  # older unsummarised items folded in one go (threads written before summaries)
SUMMARY_PREFIX = "Hidden context for the agent (not shown to the user):\n<HiddenContext>\n"
SUMMARY_SUFFIX = "\n</HiddenContext>"


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


def item_input(data: Mapping[str, Any]) -> TResponseInputItem | None:
    """One stored item as a model input message, or None for kinds the model does not need."""
    kind = data.get("type")
    if kind == "user_message":
        text = user_text(data)
        quoted = data.get("quoted_text")
        if isinstance(quoted, str) and quoted.strip():
            text = f"(Replying to: {quoted.strip()})\n{text}"
        return {"type": "message", "role": "user", "content": text} if text.strip() else None
    if kind == "assistant_message":
        text = assistant_text(data)
        return {"type": "message", "role": "assistant", "content": text} if text.strip() else None
    return None


def summary_input(summary: str) -> TResponseInputItem:
    return {"type": "message", "role": "user", "content": SUMMARY_PREFIX + summary + SUMMARY_SUFFIX}


def history_input(
    summary: str | None, items: Iterable[ThreadItem | Mapping[str, Any]]
) -> list[TResponseInputItem]:
    """The model input for a summary and the items after it, in order."""
    result: list[TResponseInputItem] = [summary_input(summary)] if summary else []
    for item in items:
        data = item.data if isinstance(item, ThreadItem) else item
        converted = item_input(data)
        if converted is not None:
            result.append(converted)
    return result


async def thread_input(
    repository: ConversationRepository,
    thread: Thread,
    *,
    window: int = HISTORY_ITEMS,
    fold_step: int = FOLD_STEP,
) -> list[TResponseInputItem]:
    """The model input for a thread: its summary, then its newest `window` to `window + fold_step` items.

    One query reads the newest `window + fold_step` items. Once that many items are newer than the
    summary, all but the newest `window` are folded into the thread's summary (from the rows already
    read; older unsummarised rows, if any, are read first, at most `CATCH_UP_ROWS`), and the summary is
    stored in the caller's unit of work. Every item is thus either summarised or replayed.
    """
    rows: Sequence[ThreadItem] = await repository.recent_items(thread.id, window + fold_step)
    summary, through = thread.summary, thread.summary_through_seq
    if rows and rows[-1].seq - through >= window + fold_step:
        cut = rows[-1].seq - window
        folded: Sequence[ThreadItem] = [row for row in rows if through < row.seq <= cut]
        if rows[0].seq > through + 1:  # unsummarised items older than those read
            folded = await repository.items_between(thread.id, through, cut, limit=CATCH_UP_ROWS)
        if folded:
            summary, through = fold(summary, (row.data for row in folded)), folded[-1].seq
            await repository.update_summary(thread, summary, through)
    return history_input(summary, (row for row in rows if row.seq > through))

"""What the model sees of a chat thread: a bounded window of recent items, and a summary of the rest.

Per turn this reads a fixed number of rows whatever the thread's length: the thread row and its last
`WINDOW_ITEMS + FOLD_STEP` items. When all of those are newer than the summary, the oldest `FOLD_STEP`
are folded into `Thread.summary` (from rows already read: no extra query) and `summary_through_seq`
moves on. The prompt therefore holds the summary (bounded, see `conversations.summary`) and between
`WINDOW_ITEMS` and `WINDOW_ITEMS + FOLD_STEP` items, each cut to a bounded length.

A thread whose older items were never summarised (written before this existed, or imported) catches up
`CATCH_UP_ROWS` items per turn, oldest first; until it has caught up, the items between the summary and
the window are left out of the prompt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agents import TResponseInputItem
from chatkit.agents import ThreadItemConverter
from chatkit.types import AssistantMessageItem, ThreadItem, UserMessageItem
from openai.types.responses import EasyInputMessageParam, ResponseInputTextParam
from openai.types.responses.response_input_item_param import Message

from taskagent.chat.context import ChatContext
from taskagent.chat.store import item_from_row
from taskagent.conversations.repository import ConversationRepository
from taskagent.conversations.summary import fold
from taskagent.db import session_scope

WINDOW_ITEMS = 16
FOLD_STEP = 8
CATCH_UP_ROWS = 200
# Older items are replayed cut to this length; the newest user message (the request) whole.
MAX_REPLAYED_CHARS = 2_000
SUMMARY_PREFIX = "Hidden context for the agent (not shown to the user):\n<HiddenContext>\n"
SUMMARY_SUFFIX = "\n</HiddenContext>"


@dataclass(frozen=True)
class ThreadHistory:
    summary: str | None
    items: list[ThreadItem]
    summary_through_seq: int


async def load_history(context: ChatContext, thread_id: str) -> ThreadHistory:
    """The summary and the recent items of a chat thread, folding older items when the window is full."""
    async with session_scope(context.session_factory) as session:
        repository = ConversationRepository(session, context.user_id)
        thread = await repository.chat_thread(thread_id)
        if thread is None:
            return ThreadHistory(None, [], 0)
        recent = await repository.recent_items(thread_id, WINDOW_ITEMS + FOLD_STEP)
        summary, through = thread.summary, thread.summary_through_seq
        if recent and recent[0].seq > through + 1:
            # Items older than what we read and not yet summarised: catch up, a bounded batch at a time.
            backlog = await repository.items_between(
                thread_id, through, recent[0].seq - 1, limit=CATCH_UP_ROWS
            )
            if backlog:
                summary, through = fold(summary, (row.data for row in backlog)), backlog[-1].seq
        unsummarised = [row for row in recent if row.seq > through]
        caught_up = not recent or through >= recent[0].seq - 1
        if caught_up and len(unsummarised) >= WINDOW_ITEMS + FOLD_STEP:
            folded, unsummarised = unsummarised[:FOLD_STEP], unsummarised[FOLD_STEP:]
            summary, through = fold(summary, (row.data for row in folded)), folded[-1].seq
        if through != thread.summary_through_seq and summary is not None:
            await repository.update_summary(thread, summary, through)
        return ThreadHistory(summary, [item_from_row(row) for row in unsummarised], through)


class HistoryConverter(ThreadItemConverter):
    """ChatKit's converter, with messages sent as plain text.

    The SDK's default replays an assistant message as `output_text` content parts. The Responses API takes
    that, but the Chat Completions converter of openai-agents does not ("Unknown content: ...output_text"),
    so the second turn of any OpenAI-compatible model (Ollama, vLLM, LM Studio) failed. A plain string is
    valid input for every model, the offline engine and Anthropic included.
    """

    async def assistant_message_to_input(
        self, item: AssistantMessageItem
    ) -> TResponseInputItem | list[TResponseInputItem] | None:
        text = "".join(part.text for part in item.content)
        if not text.strip():
            return None
        return EasyInputMessageParam(type="message", role="assistant", content=_clip(text))

    async def user_message_to_input(
        self, item: UserMessageItem, is_last_message: bool = True
    ) -> TResponseInputItem | list[TResponseInputItem] | None:
        """As the SDK's, but the message text as a plain string: the simplest form every server takes."""
        converted = await super().user_message_to_input(item, is_last_message)
        items = converted if isinstance(converted, list) else [converted] if converted else []
        if items:
            first: Any = items[0]
            parts = first.get("content") if isinstance(first, dict) else None
            if isinstance(parts, list) and all(part.get("type") == "input_text" for part in parts):
                text = "".join(str(part.get("text", "")) for part in parts)
                items[0] = EasyInputMessageParam(type="message", role="user", content=text)
        return items

    async def to_model_input(self, history: ThreadHistory) -> list[TResponseInputItem]:
        items = [_clipped(item) for item in history.items[:-1]] + history.items[-1:]
        converted = await self.to_agent_input(items)
        if not history.summary:
            return converted
        summary = Message(
            type="message",
            role="user",
            content=[
                ResponseInputTextParam(
                    type="input_text", text=SUMMARY_PREFIX + history.summary + SUMMARY_SUFFIX
                )
            ],
        )
        return [summary, *converted]


def _clip(text: str) -> str:
    if len(text) <= MAX_REPLAYED_CHARS:
        return text
    return text[: MAX_REPLAYED_CHARS - 10].rstrip() + " …(cut)"


def _clipped(item: ThreadItem) -> ThreadItem:
    """An older user message cut to the replay length (assistant messages are cut by the converter)."""
    if not isinstance(item, UserMessageItem):
        return item
    content = [
        part.model_copy(update={"text": _clip(part.text)}) if part.type == "input_text" else part
        for part in item.content
    ]
    return item.model_copy(update={"content": content})


def last_user_message(items: Sequence[ThreadItem]) -> UserMessageItem | None:
    return next((item for item in reversed(items) if isinstance(item, UserMessageItem)), None)

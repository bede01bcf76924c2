"""The ChatKit `Store` over our own conversation tables: an adapter over `ConversationRepository`.

Every method takes the request context (`ChatContext`), opens one short unit of work and goes through the
repository, which scopes every statement to the context's user: a thread or item of another user is simply
not there (`NotFoundError`). Help threads (tied to a task) live in the same tables but are not chat
threads: they are neither listed nor reachable here.

Attachments are not supported (the server has no `AttachmentStore`): saving one is refused and loading one
is "not found", so a message that refers to an attachment id fails with a clear error.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from chatkit.store import NotFoundError, Store, StoreItemType
from chatkit.types import (
    Attachment,
    Page,
    ThreadItem,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTagContent,
    UserMessageTextContent,
)
from pydantic import TypeAdapter

from taskagent.chat.context import ChatContext
from taskagent.conversations.models import Thread
from taskagent.conversations.models import ThreadItem as ItemRow
from taskagent.conversations.repository import ConversationRepository, Order
from taskagent.db import session_scope, utcnow

_ITEM_ADAPTER: TypeAdapter[ThreadItem] = TypeAdapter(ThreadItem)
_ID_PREFIXES: dict[str, str] = {
    "thread": "thr",
    "message": "msg",
    "tool_call": "tc",
    "task": "tsk",
    "workflow": "wf",
    "attachment": "atc",
    "sdk_hidden_context": "shcx",
}
TITLE_MAX_CHARS = 80
MAX_PAGE_SIZE = 100


class AttachmentsNotSupportedError(ValueError):
    """This server stores no files."""

    def __init__(self) -> None:
        super().__init__(
            "Attachments are not supported by this server; send the text in the message instead."
        )


def new_id(kind: str) -> str:
    """128 random bits: ids are primary keys shared by every user, so 32-bit ids would collide."""
    return f"{_ID_PREFIXES.get(kind, 'itm')}_{uuid.uuid4().hex}"


def message_text(item: UserMessageItem) -> str:
    parts: list[str] = []
    for part in item.content:
        if isinstance(part, UserMessageTextContent):
            parts.append(part.text)
        elif isinstance(part, UserMessageTagContent):
            parts.append(f"@{part.text}")
    return "".join(parts)


def title_from_message(text: str) -> str | None:
    """A thread title from the first user message: its first line, whitespace collapsed, cut at a word."""
    line = next((line for line in text.splitlines() if line.strip()), "")
    line = re.sub(r"\s+", " ", line).strip()
    if not line:
        return None
    if len(line) <= TITLE_MAX_CHARS:
        return line
    cut = line[: TITLE_MAX_CHARS - 1]
    if " " in cut[TITLE_MAX_CHARS // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:-") + "…"


def thread_metadata(row: Thread) -> ThreadMetadata:
    return ThreadMetadata.model_validate(
        {
            "id": row.id,
            "title": row.title,
            "created_at": row.created_at,
            "status": row.status or {"type": "active"},
            "metadata": row.metadata_ or {},
        }
    )


def item_from_row(row: ItemRow) -> ThreadItem:
    return _ITEM_ADAPTER.validate_python(row.data)


def item_data(item: ThreadItem) -> dict[str, Any]:
    """The item's JSON as stored; a naive timestamp (the SDK uses local `datetime.now()`) becomes UTC."""
    if item.created_at.tzinfo is None:
        item = item.model_copy(update={"created_at": _aware(item.created_at)})
    data: dict[str, Any] = item.model_dump(mode="json")
    return data


def _aware(moment: datetime) -> datetime:
    """UTC; a naive value (the SDK's `datetime.now()`) is read as the server's local time."""
    return moment.astimezone(UTC)


def _page(data: list[Any], has_more: bool) -> Page[Any]:
    """A page; its `after` cursor (the last id) only when there is more to read, as ChatKit's own store
    tests expect: a client that pages on `after` alone must stop at the last page."""
    return Page(data=data, has_more=has_more, after=data[-1].id if data and has_more else None)


def _page_size(limit: int) -> int:
    return max(1, min(int(limit), MAX_PAGE_SIZE))


def _order(order: str) -> Order:
    return "desc" if order == "desc" else "asc"


class ConversationStore(Store[ChatContext]):
    def generate_thread_id(self, context: ChatContext) -> str:
        return new_id("thread")

    def generate_item_id(self, item_type: StoreItemType, thread: ThreadMetadata, context: ChatContext) -> str:
        return new_id(item_type)

    # Threads ---------------------------------------------------------------------------------------------

    async def load_thread(self, thread_id: str, context: ChatContext) -> ThreadMetadata:
        async with session_scope(context.session_factory) as session:
            row = await ConversationRepository(session, context.user_id).chat_thread(thread_id)
            if row is None:
                raise NotFoundError(f"Thread {thread_id} not found")
            return thread_metadata(row)

    async def save_thread(self, thread: ThreadMetadata, context: ChatContext) -> None:
        """Create the thread, or update its title, status and metadata (never its summary)."""
        async with session_scope(context.session_factory) as session:
            repository = ConversationRepository(session, context.user_id)
            row = await repository.get_thread(thread.id)
            status = thread.status.model_dump(mode="json")
            if row is None:
                await repository.add_thread(
                    Thread(
                        id=thread.id,
                        title=thread.title,
                        status=status,
                        metadata_=dict(thread.metadata),
                        created_at=_aware(thread.created_at),
                        updated_at=utcnow(),
                    )
                )
                return
            if row.task_id is not None:
                raise NotFoundError(f"Thread {thread.id} not found")
            if thread.title is not None:  # a copy made before the title was set must not erase it
                row.title = thread.title[:200]
            row.status = status
            row.metadata_ = dict(thread.metadata)
            row.updated_at = utcnow()

    async def load_threads(
        self, limit: int, after: str | None, order: str, context: ChatContext
    ) -> Page[ThreadMetadata]:
        async with session_scope(context.session_factory) as session:
            found = await ConversationRepository(session, context.user_id).list_threads(
                limit=_page_size(limit), after=after, order=_order(order)
            )
            data = [thread_metadata(row) for row in found.rows]
        return _page(data, found.has_more)

    async def delete_thread(self, thread_id: str, context: ChatContext) -> None:
        async with session_scope(context.session_factory) as session:
            deleted = await ConversationRepository(session, context.user_id).delete_thread(
                thread_id, chat_only=True
            )
        if not deleted:
            raise NotFoundError(f"Thread {thread_id} not found")

    # Items -----------------------------------------------------------------------------------------------

    async def load_thread_items(
        self, thread_id: str, after: str | None, limit: int, order: str, context: ChatContext
    ) -> Page[ThreadItem]:
        async with session_scope(context.session_factory) as session:
            repository = ConversationRepository(session, context.user_id)
            found = await repository.list_items(
                thread_id, limit=_page_size(limit), after=after, order=_order(order)
            )
            # An empty page may mean "no such thread (for this user)": only then pay for the check.
            if not found.rows and await repository.chat_thread(thread_id) is None:
                raise NotFoundError(f"Thread {thread_id} not found")
            data = [item_from_row(row) for row in found.rows]
        return _page(data, found.has_more)

    async def add_thread_item(self, thread_id: str, item: ThreadItem, context: ChatContext) -> None:
        """A new item, at the end of the thread (the SDK adds each item once, when it is done)."""
        await self._write_item(thread_id, item, context, new=True)

    async def save_item(self, thread_id: str, item: ThreadItem, context: ChatContext) -> None:
        """Upsert: an item already in the thread keeps its position; a new one goes at the end."""
        await self._write_item(thread_id, item, context, new=False)

    async def _write_item(self, thread_id: str, item: ThreadItem, context: ChatContext, *, new: bool) -> None:
        data = item_data(item)
        async with session_scope(context.session_factory) as session:
            repository = ConversationRepository(session, context.user_id)
            # The row lock serialises writers of one thread, so positions never clash.
            thread = await repository.chat_thread(thread_id, lock=True)
            if thread is None:
                raise NotFoundError(f"Thread {thread_id} not found")
            if new or not await repository.replace_item(thread_id, item.id, type=item.type, data=data):
                await repository.add_item(thread, item_id=item.id, type=item.type, data=data)
            if thread.title is None and isinstance(item, UserMessageItem):
                thread.title = title_from_message(message_text(item))

    async def load_item(self, thread_id: str, item_id: str, context: ChatContext) -> ThreadItem:
        async with session_scope(context.session_factory) as session:
            repository = ConversationRepository(session, context.user_id)
            row = await repository.get_item(thread_id, item_id)
            if row is None or await repository.chat_thread(thread_id) is None:
                raise NotFoundError(f"Item {item_id} not found")
            return item_from_row(row)

    async def delete_thread_item(self, thread_id: str, item_id: str, context: ChatContext) -> None:
        async with session_scope(context.session_factory) as session:
            repository = ConversationRepository(session, context.user_id)
            if await repository.chat_thread(thread_id) is None:
                raise NotFoundError(f"Thread {thread_id} not found")
            await repository.delete_item(thread_id, item_id)

    # Attachments -----------------------------------------------------------------------------------------

    async def save_attachment(self, attachment: Attachment, context: ChatContext) -> None:
        raise AttachmentsNotSupportedError()

    async def load_attachment(self, attachment_id: str, context: ChatContext) -> Attachment:
        raise NotFoundError(f"Attachment {attachment_id} not found: attachments are not supported")

    async def delete_attachment(self, attachment_id: str, context: ChatContext) -> None:
        raise NotFoundError(f"Attachment {attachment_id} not found: attachments are not supported")

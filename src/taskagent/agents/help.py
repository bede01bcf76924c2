"""Help requests on a task: the task's help thread, and one request's turn streamed to the client.

Memory: each task's help requests form one thread (`Thread.task_id` set; one per user and task). Items
are stored as ChatKit item JSON (`UserMessageItem` / `AssistantMessageItem`), so the chat's store reads
the same rows; an assistant item also carries `agent` (the id of the agent that answered), a key ChatKit
ignores. The next request on the task gets the thread as history (`conversations.history`).

Nothing is lost: the user's message is stored (and committed) before the model runs; the answer is
stored by the turn (`agents.turn.AgentTurn`, through `record_answer`) when it ends, however it ends:
complete, failed (with what was said before the failure) or stopped because the client went away (the
partial answer). A turn runs in a task owned by the app's `AgentRuntime`, not by the response, so a
disconnect cannot interrupt the final write.
"""

from __future__ import annotations

import asyncio
import logging
import random
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

from chatkit.store import default_generate_id
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    InferenceOptions,
    UserMessageItem,
    UserMessageTextContent,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from taskagent.agents.context import AgentContext
from taskagent.agents.runner import AgentRuntime
from taskagent.agents.streaming import Transcript, TurnEvent, done_event, error_event
from taskagent.agents.turn import AgentTurn
from taskagent.conversations.history import assistant_text, user_text
from taskagent.conversations.models import Thread, ThreadItem
from taskagent.conversations.repository import ConversationRepository
from taskagent.db import session_scope, utcnow
from taskagent.tasks.models import Task

logger = logging.getLogger(__name__)

WRITE_ATTEMPTS = 5
KEEPALIVE_SECONDS = 15.0
THREAD_TITLE_LIMIT = 200

Factory = async_sessionmaker[AsyncSession]


# --- the thread ------------------------------------------------------------------------------------------


def thread_title(task: Task) -> str:
    return f"Help: {task.title}"[:THREAD_TITLE_LIMIT]


# Writers of one help thread in this process take turns: SQLite gives each writer a snapshot, so two
# appends could pick the same position. PostgreSQL also locks the thread row (other processes).
_WRITERS: weakref.WeakValueDictionary[tuple[int, int], asyncio.Lock] = weakref.WeakValueDictionary()


def _writer_lock(user_id: int, task_id: int) -> asyncio.Lock:
    lock = _WRITERS.get((user_id, task_id))
    if lock is None:
        lock = _WRITERS[(user_id, task_id)] = asyncio.Lock()
    return lock


async def _retrying(
    factory: Factory, user_id: int, task_id: int, work: Callable[[AsyncSession], Awaitable[Any]]
) -> Any:
    """One unit of work on a task's help thread, tried again when a writer elsewhere got there first
    (the thread created, or an item position taken, by a parallel request in another process)."""
    async with _writer_lock(user_id, task_id):
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                async with session_scope(factory) as session:
                    return await work(session)
            except (IntegrityError, OperationalError):
                if attempt == WRITE_ATTEMPTS:
                    raise
                await asyncio.sleep(random.uniform(0.02, 0.1) * attempt)  # noqa: S311 - jitter, not crypto
    raise AssertionError("unreachable")


async def _task_thread(repository: ConversationRepository, task: Task) -> Thread:
    thread = await repository.task_thread(task.id)
    if thread is None:
        thread = await repository.add_thread(
            Thread(id=default_generate_id("thread"), task_id=task.id, title=thread_title(task))
        )
    return thread


async def _append(
    repository: ConversationRepository, thread_id: str, data: dict[str, Any]
) -> ThreadItem | None:
    thread = await repository.get_thread(thread_id, lock=True)  # serialises writers of the thread's positions
    if thread is None:  # the task (and its thread) was deleted meanwhile
        return None
    created = datetime.fromisoformat(data["created_at"])
    return await repository.add_item(
        thread, item_id=data["id"], type=data["type"], data=data, created_at=created
    )


def user_message(thread_id: str, text: str, *, created_at: datetime | None = None) -> dict[str, Any]:
    item = UserMessageItem(
        id=default_generate_id("message"),
        thread_id=thread_id,
        created_at=created_at or utcnow(),
        content=[UserMessageTextContent(text=text)],
        inference_options=InferenceOptions(),
    )
    data: dict[str, Any] = item.model_dump(mode="json")
    return data


def assistant_message(
    thread_id: str, text: str, *, agent: str | None, complete: bool = True, created_at: datetime | None = None
) -> dict[str, Any]:
    item = AssistantMessageItem(
        id=default_generate_id("message"),
        thread_id=thread_id,
        created_at=created_at or utcnow(),
        content=[AssistantMessageContent(text=text)],
    )
    data: dict[str, Any] = item.model_dump(mode="json")
    if agent:
        data["agent"] = agent
    if not complete:
        data["incomplete"] = True
    return data


async def record_request(factory: Factory, user_id: int, task: Task, text: str) -> tuple[str, str]:
    """Store the user's message in the task's help thread (made on first use); committed on return.

    Returns (thread id, item id).
    """

    async def work(session: AsyncSession) -> tuple[str, str]:
        repository = ConversationRepository(session, user_id)
        thread = await _task_thread(repository, task)
        data = user_message(thread.id, text)
        await _append(repository, thread.id, data)
        return thread.id, str(data["id"])

    result: tuple[str, str] = await _retrying(factory, user_id, task.id, work)
    return result


async def record_answer(
    factory: Factory,
    user_id: int,
    task_id: int,
    thread_id: str,
    text: str,
    *,
    agent: str | None,
    complete: bool,
) -> None:
    async def work(session: AsyncSession) -> None:
        repository = ConversationRepository(session, user_id)
        await _append(
            repository, thread_id, assistant_message(thread_id, text, agent=agent, complete=complete)
        )

    await _retrying(factory, user_id, task_id, work)


async def help_items(
    session: AsyncSession, user_id: int, task_id: int, limit: int
) -> tuple[str | None, list[dict[str, Any]]]:
    """The task's help thread id and its last `limit` messages, oldest first, for the web page."""
    repository = ConversationRepository(session, user_id)
    thread = await repository.task_thread(task_id)
    if thread is None:
        return None, []
    items = []
    for row in await repository.recent_items(thread.id, limit):
        data = row.data
        if row.type == "user_message":
            entry: dict[str, Any] = {"id": row.id, "role": "user", "text": user_text(data)}
        elif row.type == "assistant_message":
            entry = {"id": row.id, "role": "assistant", "text": assistant_text(data)}
            if isinstance(data.get("agent"), str):
                entry["agent"] = data["agent"]
        else:
            continue
        entry["created_at"] = row.created_at
        items.append(entry)
    return thread.id, items


# --- one request: a turn streamed to the client -------------------------------------------------------

STOPPED_MESSAGE = "The request was stopped before the answer was complete."


class HelpRun:
    """One help (or schedule) request: the turn of `agent_key` over the task's thread, as turn events.

    `stream()` runs the turn as a task of the runtime (so that a disconnect cannot interrupt its final
    write) and yields its `TurnEvent`s, ending with `done` or `error` (None: a keep-alive tick); `stop()`
    (the client went away) cancels it, and the turn still stores what was said.
    """

    def __init__(
        self,
        *,
        runtime: AgentRuntime,
        agent_key: str,
        context: AgentContext,
        thread_id: str,
        keepalive_seconds: float = KEEPALIVE_SECONDS,
    ) -> None:
        self.runtime = runtime
        self.thread_id = thread_id
        self.keepalive_seconds = keepalive_seconds
        self.turn = AgentTurn(
            runtime,
            agent_key=agent_key,
            context=context,
            thread_id=thread_id,
            workflow="help",
            answer_sink=self._store_answer,
        )
        self._queue: asyncio.Queue[TurnEvent | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = self.runtime.spawn(self._produce(), name=f"help-run-{self.thread_id}")

    def stop(self) -> None:
        """The client is gone: stop the turn (it stores the partial answer)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def stream(
        self, disconnected: Callable[[], Awaitable[None]] | None = None
    ) -> AsyncIterator[TurnEvent | None]:
        """The turn's events, ending with `done` or `error`. `disconnected` returns when the client leaves."""
        self.start()
        watcher = asyncio.create_task(self._watch(disconnected)) if disconnected is not None else None
        try:
            while True:
                try:
                    async with asyncio.timeout(self.keepalive_interval()):  # no task per event (wait_for)
                        event = await self._queue.get()
                except TimeoutError:
                    yield None
                    continue
                if event is None:
                    return
                yield event
        finally:
            if watcher is not None:
                watcher.cancel()
            self.stop()

    def keepalive_interval(self) -> float:
        """Half to all of `keepalive_seconds`, at random: streams that arrived together (and wait together
        for a run slot) would otherwise send their keep-alives together, a burst of writes every period
        that delays the words of the runs that are streaming."""
        return self.keepalive_seconds * random.uniform(0.5, 1.0)  # noqa: S311 - spread, not secrecy

    async def _watch(self, disconnected: Callable[[], Awaitable[None]]) -> None:
        await disconnected()
        self.stop()

    async def wait(self) -> None:
        """Until the turn (and its final write) is over."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _produce(self) -> None:
        turn = self.turn
        try:
            async for event in turn.run(AgentTurn.events):
                self._queue.put_nowait(event)
        except asyncio.CancelledError:
            pass  # the client is gone; the turn has stored what was said
        if turn.failure is not None:
            self._queue.put_nowait(error_event(turn.failure))
        elif turn.stopped:
            self._queue.put_nowait(error_event(STOPPED_MESSAGE))
        else:
            self._queue.put_nowait(done_event(turn.transcript.specialist, self.thread_id))
        self._queue.put_nowait(None)

    async def _store_answer(self, transcript: Transcript, complete: bool) -> None:
        context = self.turn.context
        if context.focus_task_id is None:
            return
        await record_answer(
            context.session_factory,
            context.user_id,
            context.focus_task_id,
            self.thread_id,
            transcript.text.strip(),
            agent=transcript.agent_id,
            complete=complete,
        )

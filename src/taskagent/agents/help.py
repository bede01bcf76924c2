"""Help requests on a task: the task's help thread, and one streamed, bounded, persisted run.

Memory: each task's help requests form one thread (`Thread.task_id` set; one per user and task). Items
are stored as ChatKit item JSON (`UserMessageItem` / `AssistantMessageItem`), so the chat's store reads
the same rows; an assistant item also carries `agent` (the id of the agent that answered), a key ChatKit
ignores. The next request on the task gets the thread as history (`conversations.history`).

Nothing is lost: the user's message is stored (and committed) before the model runs; the answer is
stored when the run ends, however it ends: complete, failed (with what was said before the failure) or
stopped because the client went away (the partial answer). A run is a task owned by the app's
`AgentRuntime`, not by the response, so a disconnect cannot interrupt the final write.
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

from taskagent.agents.admission import RunQueueTimeout
from taskagent.agents.context import AgentContext
from taskagent.agents.runner import AgentRuntime, failure_message, start_run, timeout_message
from taskagent.agents.streaming import HelpEvent, HelpStreamTranslator, done_event, error_event
from taskagent.config import ConfigurationError
from taskagent.conversations.history import assistant_text, thread_input, user_text
from taskagent.conversations.models import Thread, ThreadItem
from taskagent.conversations.repository import ConversationRepository
from taskagent.db import session_scope, utcnow
from taskagent.tasks.models import Task

logger = logging.getLogger(__name__)

WRITE_ATTEMPTS = 5
KEEPALIVE_SECONDS = 15.0
THREAD_TITLE_LIMIT = 200

Factory = async_sessionmaker[AsyncSession]


class HelpThreadGone(LookupError):
    """The task (and so its help thread) was deleted between the request and the run."""


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


# --- one run ---------------------------------------------------------------------------------------------


class HelpRun:
    """One help (or schedule) request: runs `agent_key` over the task's thread and streams its events.

    `stream()` starts the run as a task of the runtime and yields `HelpEvent`s (None: a keep-alive tick);
    `stop()` (the client went away) cancels it, and the run still stores what was said.
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
        self.agent_key = agent_key
        self.context = context
        self.thread_id = thread_id
        self.keepalive_seconds = keepalive_seconds
        self.translator = HelpStreamTranslator()
        self.error: str | None = None
        self.stopped = False
        self._queue: asyncio.Queue[HelpEvent | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    # The consumer side ------------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = self.runtime.spawn(self._produce(), name=f"help-run-{self.thread_id}")

    def stop(self) -> None:
        """The client is gone: stop the run (it stores the partial answer)."""
        if self._task is not None and not self._task.done():
            self.stopped = True
            self._task.cancel()

    async def stream(
        self, disconnected: Callable[[], Awaitable[None]] | None = None
    ) -> AsyncIterator[HelpEvent | None]:
        """The run's events, ending with `done` or `error`. `disconnected` returns when the client leaves."""
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
        """Until the run (and its final write) is over."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    # The run ----------------------------------------------------------------------------------------

    async def _load_input(self) -> list[Any]:
        async with session_scope(self.context.session_factory) as session:
            repository = ConversationRepository(session, self.context.user_id)
            thread = await repository.get_thread(self.thread_id)
            if thread is None:
                raise HelpThreadGone("The task was deleted while its help request was starting.")
            return await thread_input(repository, thread)

    async def _produce(self) -> None:
        limits = self.runtime.limits
        settings = self.runtime.settings
        result = None
        deadline: asyncio.Timeout | None = None
        cancelled = False
        try:
            team = self.runtime.team()
            agent = team.get(self.agent_key)
            async with self.runtime.slots.take():  # the run's time limit starts once it may run
                async with self.runtime.setup:
                    input_items = await self._load_input()
                result = start_run(agent, input_items, self.context, limits, workflow_name="TaskAgent help")
                async with asyncio.timeout(limits.max_seconds) as deadline:
                    async for event in result.stream_events():
                        for help_event in self.translator.translate(event):
                            self._queue.put_nowait(help_event)
        except asyncio.CancelledError:
            cancelled = True
        except (ConfigurationError, HelpThreadGone, RunQueueTimeout) as exc:
            self.error = str(exc)
        except Exception as exc:
            if isinstance(exc, TimeoutError) and deadline is not None and deadline.expired():
                self.error = timeout_message(limits)
            else:
                self.error = failure_message(exc, settings, limits)
            logger.warning("help run on thread %s failed: %s", self.thread_id, self.error, exc_info=exc)
        finally:
            if result is not None and not result.is_complete:
                result.cancel()
        # Store what was said, whatever happened; a second cancellation must not interrupt the write.
        saving = asyncio.ensure_future(self._save(complete=self.error is None and not cancelled))
        try:
            await asyncio.shield(saving)
        except asyncio.CancelledError:
            cancelled = True
            await asyncio.gather(saving, return_exceptions=True)
        if self.error is not None:
            self._queue.put_nowait(error_event(self.error))
        elif cancelled:
            self._queue.put_nowait(error_event("The request was stopped before the answer was complete."))
        else:
            self._queue.put_nowait(done_event(self.translator.specialist, self.thread_id))
        self._queue.put_nowait(None)

    async def _save(self, *, complete: bool) -> None:
        text = self.translator.text.strip()
        task_id = self.context.focus_task_id
        if not text or task_id is None:
            return
        try:
            async with self.runtime.setup:
                await record_answer(
                    self.context.session_factory,
                    self.context.user_id,
                    task_id,
                    self.thread_id,
                    text,
                    agent=self.translator.agent_id,
                    complete=complete,
                )
        except Exception:
            logger.exception("could not store the answer of help thread %s", self.thread_id)
            if self.error is None:
                self.error = "The answer could not be saved. Try again."

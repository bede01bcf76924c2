"""One agent turn: the pipeline every help request and every chat message goes through.

    turn = AgentTurn(runtime, agent_key="triage", context=context, thread_id=thread_id, workflow="help",
                     answer_sink=store_answer)
    async for wire_event in turn.run(render):   # render: help events, or the ChatKit stream
        ...
    turn.failure                                # the user's message when the turn did not end well

`run(render)` does, in order:

1. admission: a run slot (`runtime.slots`: a fixed number stream at once, the others wait first come
   first served, up to AGENT_QUEUE_SECONDS, holding no database connection);
2. `_begin`: the agent (a model that cannot be built refuses the turn), the thread's history window
   (`conversations.history.load_window`, then `model_input`: one loader, one converter), the bounded SDK
   run (`runner.start_run`) and its deadline (AGENT_MAX_RUN_SECONDS from now);
3. the run: `render(turn)` reads `turn.stream_events()` (the SDK's events; the deadline applies to each
   wait, and a failure ends the stream and is kept) or `turn.events()` (the same run as turn events:
   `agent`, `delta`, `tool`), and yields its wire events, which `run` passes on. `turn.transcript` keeps
   what was said and by whom;
4. `_end`, however the turn ended (complete, failed, refused, or stopped because the client went away):
   stops a run still going, picks the one failure message the user sees, and stores the answer through
   `answer_sink` (the help thread's writer) even when the answer is partial. A chat turn has no sink: the
   ChatKit server stores the items its renderer emits, through its Store over the same tables.

Every turn starts in `_begin` and ends in `_end`, once: that is where tracing spans, usage per user and a
quota check before any model is called belong.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from typing import Literal, TypeVar

from agents import StreamEvent
from agents.result import RunResultStreaming
from opentelemetry.trace import Span

from taskagent.agents.admission import RunQueueTimeout
from taskagent.agents.context import AgentContext
from taskagent.agents.runner import AgentRuntime, failure_message, start_run, timeout_message
from taskagent.agents.streaming import Transcript, TurnEvent
from taskagent.config import ConfigurationError
from taskagent.conversations.history import load_window, model_input
from taskagent.conversations.repository import ConversationRepository
from taskagent.db import session_scope
from taskagent.observability import tracing
from taskagent.usage.service import QuotaExceeded

logger = logging.getLogger(__name__)

T = TypeVar("T")
Workflow = Literal["help", "chat"]
# Stores what was said: (the transcript, whether the answer is complete).
AnswerSink = Callable[[Transcript, bool], Awaitable[None]]

THREAD_GONE = "The conversation was deleted before its answer could start."
NOT_SAVED = "The answer could not be saved. Try again."


class TurnRefused(Exception):
    """The turn could not start; the message is for the user."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


class AgentTurn:
    """One run of `agent_key` over a stored thread, from admission to the stored answer."""

    def __init__(
        self,
        runtime: AgentRuntime,
        *,
        agent_key: str,
        context: AgentContext,
        thread_id: str,
        workflow: Workflow,
        answer_sink: AnswerSink | None = None,
    ) -> None:
        self.runtime = runtime
        self.agent_key = agent_key
        self.context = context
        self.thread_id = thread_id
        self.workflow = workflow
        self.answer_sink = answer_sink
        self.transcript = Transcript()
        self.failure: str | None = None  # what the user is told, when the turn did not end well
        self.retry = True  # whether trying again may help
        self.stopped = False  # the client went away (or the app shut down) before the end
        self.result: RunResultStreaming | None = None
        self._deadline = 0.0
        self._said: list[TurnEvent] = []  # the turn events of the latest SDK event
        self._span: Span | None = None  # the turn's trace span, when the app traces

    @property
    def complete(self) -> bool:
        return self.failure is None and not self.stopped

    def must_wait(self) -> bool:
        """Whether the turn will wait for a run slot (the chat shows a notice meanwhile)."""
        return self.runtime.slots.would_wait()

    async def run(self, render: Callable[[AgentTurn], AsyncGenerator[T, None]]) -> AsyncGenerator[T, None]:
        """The whole turn; `render` turns its run into the caller's wire events (see the module)."""
        self._span = tracing.start_turn(self.workflow, self.agent_key, self.thread_id)
        try:
            async with self.runtime.slots.take():
                await self._begin()
                async with aclosing(render(self)) as events:
                    async for event in events:
                        yield event
        except (asyncio.CancelledError, GeneratorExit):
            self.stopped = True
            raise
        except (RunQueueTimeout, TurnRefused) as exc:
            self.failure, self.retry = str(exc), getattr(exc, "retry", True)
        except Exception as exc:  # the renderer failed (the run's own failures end its stream)
            self.fail(exc)
        finally:
            await self._end()
            tracing.end_turn(
                self._span, specialist=self.transcript.specialist, failure=self.failure, stopped=self.stopped
            )

    # The run, for renderers ------------------------------------------------------------------------------

    async def stream_events(self) -> AsyncIterator[StreamEvent]:
        """The run's SDK events. Never raises: a failure, or the deadline, ends the stream and is kept in
        `failure`. The deadline applies inside each wait, as the ChatKit bridge reads this stream from
        tasks of its own (a timeout around the whole turn would cancel the wrong task)."""
        assert self.result is not None, "stream_events() runs inside run()"
        events = self.result.stream_events().__aiter__()
        while True:
            try:
                async with asyncio.timeout_at(self._deadline) as deadline:
                    event = await anext(events)
            except StopAsyncIteration:
                return
            except Exception as exc:
                self.fail(exc, timed_out=deadline.expired())
                return
            self._said = self.transcript.translate(event)
            yield event

    async def events(self) -> AsyncGenerator[TurnEvent, None]:
        """The run as turn events (`agent`, `delta`, `tool`): the help endpoint's rendering."""
        async for _event in self.stream_events():
            for said in self._said:
                yield said

    # Start and end: the one seam of every turn -------------------------------------------------------

    async def _begin(self) -> None:
        try:
            agent = self.runtime.team().get(self.agent_key)
        except ConfigurationError as exc:
            raise TurnRefused(f"The assistant is not configured: {exc}", retry=False) from exc
        if self.context.reservation is None:  # no endpoint counted this run (MCP's ask_for_help)
            try:
                self.context.reservation = await self.runtime.usage.reserve(
                    self.context.session_factory, self.context.user_id
                )
            except QuotaExceeded as exc:
                raise TurnRefused(str(exc), retry=False) from exc
        # The database work around runs takes turns (`AgentRuntime.setup`): a burst of it would otherwise
        # hold up the words of the runs that are streaming.
        async with self.runtime.setup, session_scope(self.context.session_factory) as session:
            repository = ConversationRepository(session, self.context.user_id)
            thread = await repository.get_thread(self.thread_id)
            if thread is None:  # deleted (with its task, for a help thread) since the request came in
                raise TurnRefused(THREAD_GONE)
            input_items = model_input(await load_window(repository, thread))
        for observe in self.runtime.input_observers:
            observe(input_items)
        limits = self.runtime.limits
        with tracing.current(self._span):  # the run's spans (and its statements') go under the turn's
            self.result = start_run(
                agent, input_items, self.context, limits, workflow_name=f"TaskAgent {self.workflow}"
            )
        self._deadline = asyncio.get_running_loop().time() + limits.max_seconds

    async def _end(self) -> None:
        if self.result is not None and not self.result.is_complete:
            self.result.cancel()  # no tool may act for an answer nobody reads
        await self._shielded(self._account())
        if self.answer_sink is None or not self.transcript.text.strip():
            return
        # Store what was said, whatever happened; a second cancellation must not interrupt the write.
        await self._shielded(self._store(self.answer_sink))

    async def _shielded(self, work: Awaitable[None]) -> None:
        running = asyncio.ensure_future(work)
        try:
            await asyncio.shield(running)
        except asyncio.CancelledError:
            self.stopped = True
            await asyncio.gather(running, return_exceptions=True)

    async def _account(self) -> None:
        """Usage per user: the run's model calls and tokens (the SDK's count, the offline engine's own
        estimates included); a counted run that never reached a model is given back."""
        reservation = self.context.reservation
        if reservation is None:
            return
        meter, factory = self.runtime.usage, self.context.session_factory
        try:
            if self.result is None:
                await meter.release(factory, reservation)
                return
            used = self.result.context_wrapper.usage
            await meter.record(
                factory,
                reservation,
                self.runtime.settings.taskagent_model,
                calls=used.requests,
                input_tokens=used.input_tokens,
                output_tokens=used.output_tokens,
            )
        except Exception:
            logger.exception("could not record the usage of thread %s", self.thread_id)

    async def _store(self, sink: AnswerSink) -> None:
        try:
            async with self.runtime.setup:
                await sink(self.transcript, self.complete)
        except Exception:
            logger.exception("could not store the answer of thread %s", self.thread_id)
            if self.failure is None:
                self.failure = NOT_SAVED

    def fail(self, exc: BaseException, *, timed_out: bool = False) -> None:
        """Keep the user's message for a failure of the run (or of its renderer)."""
        limits = self.runtime.limits
        if timed_out:
            self.failure = timeout_message(limits)
        else:
            self.failure = failure_message(exc, self.runtime.settings, limits)
        logger.warning(
            "%s turn on thread %s (user %s) failed: %s",
            self.workflow,
            self.thread_id,
            self.context.user_id,
            self.failure,
            exc_info=exc,
        )

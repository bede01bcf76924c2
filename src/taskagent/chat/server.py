"""The ChatKit server: `respond()` runs the task-manager agent over the thread's bounded history.

What a turn does, in order (the SDK has already stored the user's message):
1. names the thread after its first user message (the SDK then saves it and sends `thread.updated`);
2. loads the summary and the recent items (`chat.history`: a fixed number of rows whatever the length);
3. runs the task manager (hand-offs to the scheduler, breakdown and blocker specialists) with the user's
   `AgentContext`, streaming, within the run limits of `agents.runner` (turns, tool calls, output
   tokens, wall time);
4. turns the run into ChatKit events (`chat.events`): text deltas, hand-offs and tool actions;
5. on a failure (provider error, a run limit hit): keeps what was already said and ends with an error
   event whose message the client shows; the thread stays usable (retry, or a new message). On a client
   disconnect the SDK's `handle_stream_cancelled` stores the partial answer, and the run is cancelled so
   no tool acts for an answer nobody reads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from datetime import UTC
from typing import Any

from agents import TResponseInputItem
from agents.result import RunResultStreaming
from chatkit.agents import AgentContext as BridgeContext
from chatkit.agents import stream_agent_response
from chatkit.errors import CustomStreamError
from chatkit.server import ChatKitServer
from chatkit.types import ProgressUpdateEvent, ThreadMetadata, ThreadStreamEvent, UserMessageItem

from taskagent.agents.admission import WAITING_NOTICE, RunQueueTimeout
from taskagent.agents.context import AgentContext
from taskagent.agents.runner import failure_message, start_run, timeout_message
from taskagent.chat.context import ChatContext
from taskagent.chat.events import AssistantIds, ObservedRun, RunDeadlineExceededError, RunObserver
from taskagent.chat.history import HistoryConverter, load_history
from taskagent.chat.store import ConversationStore, message_text, title_from_message
from taskagent.config import ConfigurationError

logger = logging.getLogger(__name__)

# Called with the model input of every turn (tests and benchmarks measure the prompt with it).
InputObserver = Callable[[list[TResponseInputItem]], None]


class TaskAgentChatServer(ChatKitServer[ChatContext]):
    def __init__(self) -> None:
        super().__init__(ConversationStore())
        self.converter = HistoryConverter()
        self.input_observers: list[InputObserver] = []

    async def respond(
        self, thread: ThreadMetadata, input_user_message: UserMessageItem | None, context: ChatContext
    ) -> AsyncIterator[ThreadStreamEvent]:
        runtime = context.runtime
        assert runtime is not None, "respond() needs the app's agent runtime in the context"
        if thread.title is None and input_user_message is not None:
            thread.title = title_from_message(message_text(input_user_message))
        if thread.created_at.tzinfo is None:  # the SDK makes threads with a local, naive `datetime.now()`
            thread.created_at = thread.created_at.astimezone(UTC)

        history = await load_history(context, thread.id)
        model_input = await self.converter.to_model_input(history)
        for observe in self.input_observers:
            observe(model_input)

        try:
            agent = runtime.team().task_manager
        except ConfigurationError as exc:
            raise CustomStreamError(f"The assistant is not configured: {exc}", allow_retry=False) from exc
        except Exception as exc:
            logger.exception("could not build the agents")
            raise CustomStreamError(
                "The assistant could not start; try again later.", allow_retry=True
            ) from exc
        run_context = AgentContext(
            user_id=context.user_id,
            session_factory=context.session_factory,
            timezone=context.timezone,
            now=context.now,
        )
        if runtime.slots.would_wait():
            yield ProgressUpdateEvent(text=WAITING_NOTICE)
        try:
            async with (
                runtime.slots.take(),
                aclosing(self._run(agent, model_input, run_context, thread, context)) as events,
            ):
                async for event in events:
                    yield event
        except RunQueueTimeout as exc:
            raise CustomStreamError(str(exc), allow_retry=True) from exc

    async def _run(
        self,
        agent: Any,
        model_input: list[TResponseInputItem],
        run_context: AgentContext,
        thread: ThreadMetadata,
        context: ChatContext,
    ) -> AsyncGenerator[ThreadStreamEvent, None]:
        """One run of the task manager, as ChatKit events (within a run slot)."""
        runtime, settings = context.runtime, context.settings
        assert runtime is not None
        limits = runtime.limits
        result = start_run(agent, model_input, run_context, limits, workflow_name="TaskAgent chat")

        def new_id(kind: Any) -> str:
            return self.store.generate_item_id(kind, thread, context)

        observer = RunObserver(thread.id, new_id, agent.name)
        ids = AssistantIds(thread.id, new_id)
        bridge: BridgeContext[ChatContext] = BridgeContext(
            thread=thread, store=self.store, request_context=context
        )
        deadline = asyncio.get_running_loop().time() + limits.max_seconds
        observed = ObservedRun(result, observer, deadline)
        bridged: Any = observed  # the bridge only calls stream_events()
        try:
            async for event in stream_agent_response(bridge, bridged):
                for extra in observer.drain():
                    yield extra
                fixed = ids.fix(event)
                if fixed is not None:
                    yield fixed
            for extra in observer.drain():
                yield extra
        except asyncio.CancelledError:
            _abandon(result, bridge)
            raise
        except Exception as exc:  # the bridge itself failed (the run's failures end up in observed.error)
            _abandon(result, bridge)
            observed.error = exc
        if observed.error is not None:
            for extra in observer.drain():
                yield extra  # what the tools did before the failure did happen: show it
            for done in ids.unfinished():
                yield done
            failure = observed.error
            if isinstance(failure, RunDeadlineExceededError):
                message = timeout_message(limits)
            else:
                message = failure_message(failure, settings, limits)
            logger.warning("chat turn failed (user %s, thread %s): %s", context.user_id, thread.id, message)
            raise CustomStreamError(message, allow_retry=True) from failure


def _abandon(result: RunResultStreaming, bridge: BridgeContext[ChatContext]) -> None:
    """Stop the model run (no tool may act for an answer nobody reads) and wake the bridge's helper task
    that waits on its event queue, so that it ends with a value rather than staying pending."""
    try:
        result.cancel()
    except Exception:  # a run that already ended
        logger.debug("cancelling a finished run", exc_info=True)
    bridge._events.put_nowait(ProgressUpdateEvent(text=""))
